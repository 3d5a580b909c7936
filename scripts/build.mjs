// Bundles the CLI into dist/ so start-up loads a few files instead of hundreds of modules.
// Heavy parts (ssh2, the simulator, search, the call engine) stay in lazily imported chunks.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ssh2 ships optional native bindings; leave it to Node's resolver.
  external: ['ssh2', 'cpu-features'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};

/**
 * The JSON Schemas of the tools' inputs and outputs, converted from zod once here rather than on every
 * start (about 15 ms of each start-up otherwise).
 */
async function toolSchemas() {
  const dir = mkdtempSync(path.join(tmpdir(), 'pmcp-build-'));
  try {
    const outfile = path.join(dir, 'registry.mjs');
    await build({ ...common, entryPoints: ['src/tools/registry.ts'], outfile });
    const { allTools } = await import(pathToFileURL(outfile).href);
    const convert = (schema, io) => schema?.['~standard'].jsonSchema[io]({ target: 'draft-2020-12' });
    return Object.fromEntries(allTools.map((t) => [t.name, { input: convert(t.input, 'input'), output: convert(t.output, 'output') }]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  splitting: true,
  minify: true,
  // Source maps help while developing but would be most of the package's size: `npm pack` builds without.
  sourcemap: ['prepack', 'bundle'].includes(process.env.npm_lifecycle_event) ? false : 'linked',
  define: { __PRECOMPUTED_TOOL_SCHEMAS__: JSON.stringify(await toolSchemas()) },
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
  chunkNames: 'chunks/[name]-[hash]',
});
