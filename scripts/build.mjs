// Bundles the CLI into dist/, as CommonJS (dist/package.json says so). A stdio start loads three files:
// the entry, chunks/start.js with every module the start imports after it, and the bundler's helpers (each
// further file costs a start about a millisecond to resolve, read, compile and link). What only a call,
// another command or the simulator needs (ssh2, search, the call engine, the HTTP server) stays in lazily
// required chunks. CommonJS because a script, unlike an ES module, can be compiled from V8's code cache
// on every Node: the entry loads chunks/start.js that way (src/compile-cache.ts), and the digest it checks
// the cache against is written into the entry here.
import { rolldown } from 'rolldown';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const common = {
  platform: 'node',
  // ssh2 ships optional native bindings; leave it to Node's resolver.
  external: ['ssh2', 'cpu-features'],
  logLevel: 'warn',
};

/**
 * The JSON Schemas of the tools' inputs and outputs, converted from zod once here rather than on every
 * start (about 15 ms of each start-up otherwise).
 */
async function toolSchemas() {
  const dir = mkdtempSync(path.join(tmpdir(), 'pmcp-build-'));
  try {
    const bundle = await rolldown({ ...common, input: { registry: 'src/tools/registry.ts' } });
    await bundle.write({ dir, format: 'es', entryFileNames: '[name].mjs', codeSplitting: false });
    await bundle.close();
    const { allTools } = await import(pathToFileURL(path.join(dir, 'registry.mjs')).href);
    const convert = (schema, io) => schema?.['~standard'].jsonSchema[io]({ target: 'draft-2020-12' });
    return Object.fromEntries(allTools.map((t) => [t.name, { input: convert(t.input, 'input'), output: convert(t.output, 'output') }]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The modules a stdio start evaluates after the entry: what the command line and the stdio command import,
 * statically. The entry's own imports are left out: they run before the compile cache is on.
 */
function startModules() {
  const imports = new Map();
  const closure = (files) => {
    const found = new Set();
    const todo = files.map((f) => path.resolve(f));
    for (let next = todo.pop(); next; next = todo.pop()) {
      if (found.has(next)) continue;
      found.add(next);
      todo.push(...(imports.get(next) ?? []));
    }
    return found;
  };
  let start;
  return {
    plugin: { name: 'start-modules', moduleParsed: (info) => void imports.set(info.id, info.importedIds) },
    // Asked when the chunks are made, after every module has been parsed.
    has(id) {
      if (!start) {
        const entry = closure(['src/cli.ts']);
        start = new Set([...closure(['src/command-line.ts', 'src/stdio-command.ts'])].filter((m) => !entry.has(m)));
      }
      return start.has(id);
    },
  };
}

/** Stands for the start chunk's digest in the entry until the chunk exists; as long as the digest, so that the entry's source map holds. */
const DIGEST_PLACEHOLDER = 'start-chunk-digest-placeholder!!';

/** Writes the digest of chunks/start.js into the entry, which checks the code cache against it. */
const startDigest = {
  name: 'start-digest',
  generateBundle(_options, output) {
    const startChunk = output['chunks/start.js'];
    const entry = output['cli.js'];
    if (!startChunk || !entry?.dynamicImports.includes('chunks/start.js')) throw new Error('the entry must import chunks/start.js');
    // The start runs as a script (src/compile-cache.ts), where import() has no loader: it requires what it loads later.
    const imported = startChunk.dynamicImports.filter((f) => !output[f]);
    if (imported.length)
      throw new Error(`chunks/start.js must not import() ${imported.join(', ')}: import it statically, or from a lazily loaded module`);
    const digest = createHash('sha256').update(startChunk.code).digest('hex').slice(0, DIGEST_PLACEHOLDER.length);
    if (entry.code.split(DIGEST_PLACEHOLDER).length !== 2) throw new Error('the entry must hold the digest placeholder once');
    entry.code = entry.code.replace(DIGEST_PLACEHOLDER, digest);
  },
};

const start = startModules();
const bundle = await rolldown({
  ...common,
  input: { cli: 'src/cli.ts' },
  transform: {
    target: 'node20',
    define: {
      __PRECOMPUTED_TOOL_SCHEMAS__: JSON.stringify(await toolSchemas()),
      __START_CHUNK_DIGEST__: JSON.stringify(DIGEST_PLACEHOLDER),
    },
  },
  plugins: [start.plugin, startDigest],
});
rmSync('dist', { recursive: true, force: true });
await bundle.write({
  dir: 'dist',
  format: 'cjs',
  // ES modules are strict; so is what the build makes of them.
  strict: true,
  minify: true,
  // Source maps help while developing but would be most of the package's size: `npm pack` builds without.
  sourcemap: !['prepack', 'bundle'].includes(process.env.npm_lifecycle_event),
  banner: (chunk) => (chunk.isEntry ? '#!/usr/bin/env node' : ''),
  entryFileNames: '[name].js',
  // The start's chunk has a name the entry knows (src/compile-cache.ts); the others change with their content.
  chunkFileNames: (chunk) => (chunk.name === 'start' ? 'chunks/[name].js' : 'chunks/[name]-[hash].js'),
  codeSplitting: { groups: [{ name: 'start', test: (id) => start.has(id) }] },
});
await bundle.close();
writeFileSync('dist/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
