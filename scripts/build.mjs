// Bundles the CLI into dist/ so start-up loads a few files instead of hundreds of modules.
// Heavy parts (ssh2, the simulator, search) stay in lazily imported chunks.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // ssh2 ships optional native bindings; leave it to Node's resolver.
  external: ['ssh2', 'cpu-features'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  logLevel: 'warning',
});
