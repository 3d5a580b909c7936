/** Prints the tools/list answer and its o200k token count per tool: `npx tsx bench/tools-list.ts [--json]`. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { StdioDriver } from './stdio-driver.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** o200k tokens of a tools/list answer, in all and per tool. */
export function countToolsListTokens(tools: Array<{ name: string }>): { total: number; perTool: Record<string, number> } {
  const perTool = Object.fromEntries(tools.map((t) => [t.name, encode(JSON.stringify(t)).length]));
  return { total: encode(JSON.stringify({ tools })).length, perTool };
}

export async function toolsListTokens(): Promise<{ total: number; perTool: Record<string, number>; tools: unknown[] }> {
  const d = new StdioDriver([path.join(root, 'dist/cli.js')], {
    ...process.env,
    PROXMOX_URL: 'https://127.0.0.1:9',
    PROXMOX_API_TOKEN: 'bench@pve!b=00000000-0000-0000-0000-000000000000',
    PROXMOX_LOG_LEVEL: 'silent',
    // An agent socket is enough for the container tool to be offered, so the count covers all five tools.
    SSH_AUTH_SOCK: '/run/bench-ssh-agent.sock',
    PROXMOX_SSH_KEY_PATH: '',
  });
  try {
    await d.initialize();
    const { tools } = await d.request<{ tools: Array<{ name: string }> }>('tools/list');
    return { ...countToolsListTokens(tools), tools };
  } finally {
    await d.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await toolsListTokens();
  if (process.argv.includes('--json')) console.log(JSON.stringify(r.tools, null, 1));
  console.log(r.perTool, 'total', r.total);
}
