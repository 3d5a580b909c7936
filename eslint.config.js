// The layer rules of ARCHITECTURE.md, enforced: a module may import only from its own layer or the ones below it.
//   base (errors, log, version, lazy-crypto, within) ← proxmox ← domain (schema, safety, output, exec, config) ← runtime (context, cluster)
//   ← tools ← server / http / app ← cli.  The simulator stands beside them and uses only base, proxmox and schema.
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const base = ['./src/errors.ts', './src/log.ts', './src/version.ts', './src/lazy-crypto.ts', './src/within.ts'];
const proxmox = ['./src/proxmox'];
const domain = ['./src/schema', './src/safety', './src/output', './src/exec', './src/config'];
const runtime = ['./src/context.ts', './src/cluster.ts'];
const tools = ['./src/tools'];
const serving = ['./src/server.ts', './src/call-context.ts', './src/http', './src/app.ts', './src/stdio-guard.ts'];
const commands = [
  './src/cli.ts',
  './src/command-line.ts',
  './src/command-options.ts',
  './src/compile-cache.ts',
  './src/help.ts',
  './src/stdio-command.ts',
  './src/http-command.ts',
  './src/call-command.ts',
  './src/audit-command.ts',
  './src/fingerprint-command.ts',
];
const simulator = ['./src/simulator'];

/** `target` may not import from any of `above`. */
const zone = (target, above, layer) =>
  [target]
    .flat()
    .flatMap((t) =>
      above.map((from) => ({ target: t, from, message: `${layer} may not import from a higher layer (see ARCHITECTURE.md).` })),
    );

const zones = [
  ...zone(base, [...proxmox, ...domain, ...runtime, ...tools, ...serving, ...commands, ...simulator], 'base'),
  ...zone(proxmox, [...domain, ...runtime, ...tools, ...serving, ...commands, ...simulator], 'proxmox/'),
  ...zone(domain, [...runtime, ...tools, ...serving, ...commands, ...simulator], 'A domain module'),
  ...zone(runtime, [...tools, ...serving, ...commands, ...simulator], 'The runtime context'),
  ...zone(tools, [...serving, ...commands, ...simulator], 'tools/'),
  ...zone(serving, [...commands], 'The server layer'),
  ...zone(simulator, [...domain.filter((d) => d !== './src/schema'), ...runtime, ...tools, ...serving, ...commands], 'The simulator'),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    // Tests may reach into any layer and build hostile values freely.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
