import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toolsListTokens } from '../../bench/tools-list.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

describe.skipIf(!existsSync(cli))('tools/list size', () => {
  it('costs at most 700 o200k tokens for all five tools', async () => {
    const { total, perTool } = await toolsListTokens();
    expect(Object.keys(perTool)).toHaveLength(5);
    expect(total).toBeLessThanOrEqual(700);
  });
});
