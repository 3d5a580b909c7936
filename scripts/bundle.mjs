// `npm run bundle`: proxmox-mcp.mcpb, an MCP Bundle that Claude Desktop installs in one click.
// Layout: manifest.json, server/ (dist/ as built, without source maps, plus the runtime dependencies
// that dist/ does not bundle), README.md, LICENSE. The manifest's version follows package.json.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
if (manifest.version !== pkg.version) throw new Error(`manifest.json version ${manifest.version} differs from package.json ${pkg.version}`);
const out = path.resolve(root, process.argv[2] ?? `${pkg.name}.mcpb`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, npm_lifecycle_event: 'bundle' } });

const stage = mkdtempSync(path.join(tmpdir(), 'proxmox-mcp-bundle-'));
try {
  run(process.execPath, [path.join(root, 'scripts/build.mjs')], root);
  cpSync(path.join(root, 'dist'), path.join(stage, 'server'), { recursive: true, filter: (f) => !f.endsWith('.map') });
  for (const f of ['manifest.json', 'README.md', 'LICENSE']) cpSync(path.join(root, f), path.join(stage, f));
  // The runtime dependencies only, without install scripts (ssh2 works without its optional native part).
  // It replaces dist/package.json, so it says what that one says: the server is CommonJS.
  writeFileSync(
    path.join(stage, 'server/package.json'),
    JSON.stringify({ name: `${pkg.name}-server`, private: true, type: 'commonjs', dependencies: pkg.dependencies }, null, 2),
  );
  run(
    npm,
    ['install', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', '--prefer-offline'],
    path.join(stage, 'server'),
  );
  rmSync(out, { force: true });
  run(path.join(root, 'node_modules/.bin/mcpb'), ['pack', stage, out], root);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
