import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rules live in eslint.config.js and run in `npm test`'s pretest; this proves they bite.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleHits(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer rules (eslint.config.js)', () => {
  it.each([
    ['src/proxmox/probe.ts', "export { ToolError } from '../errors.js';", false],
    ['src/proxmox/probe.ts', "export { allTools } from '../tools/registry.js';", true],
    ['src/exec/probe.ts', "export { createMcpServer } from '../server.js';", true],
    ['src/schema/probe.ts', "export type { ToolEnv } from '../context.js';", true],
    ['src/tools/probe.ts', "export { createApp } from '../app.js';", true],
    ['src/tools/probe.ts', "export { Catalog } from '../schema/catalog.js';", false],
    ['src/simulator/probe.ts', "export { allTools } from '../tools/registry.js';", true],
    ['src/simulator/probe.ts', "export type { Upid } from '../proxmox/upid.js';", false],
  ])(
    '%s: %s → refused: %s',
    async (file, code, refused) => {
      const hits = await ruleHits(file, code);
      expect(hits.some((h) => h.startsWith('import-x/no-restricted-paths'))).toBe(refused);
    },
    60_000,
  );
});
