import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { toolsListTokens } from '../../bench/tools-list.js';
import { configFromEnv } from '../../src/config/env.js';
import { instructionsFor } from '../../src/tools/instructions.js';
import { allTools, offerTools } from '../../src/tools/registry.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

type Listed = { name: string; description: string; inputSchema: { properties: Record<string, { description?: string }> } };

/** Parameters whose name says all a model needs: a guest id, and an HTTP method every model knows. */
const OBVIOUS = new Set(['vmid', 'method']);
/** proxmox-api sends these without a description of their own: its description points to proxmox-api-read's. */
const DESCRIBED_BY_READ = new Set(['path', 'pathParams', 'params']);

describe.skipIf(!existsSync(cli))('what the model reads in tools/list', () => {
  it('describes every parameter whose meaning is not obvious from its name', async () => {
    const { tools } = (await toolsListTokens()) as unknown as { tools: Listed[] };
    expect(tools.map((t) => t.name)).toEqual(allTools.map((t) => t.name));
    const read = tools.find((t) => t.name === 'proxmox-api-read')!;
    for (const tool of tools) {
      for (const [name, schema] of Object.entries(tool.inputSchema.properties)) {
        if (OBVIOUS.has(name)) continue;
        if (tool.name === 'proxmox-api' && DESCRIBED_BY_READ.has(name)) {
          expect(tool.description).toContain(`${[...DESCRIBED_BY_READ].join(', ')} as in proxmox-api-read`);
          expect(read.inputSchema.properties[name]?.description, `proxmox-api-read ${name}`).toBeTruthy();
          continue;
        }
        expect(schema.description, `${tool.name} ${name}`).toBeTruthy();
      }
    }
  });

  it('teaches the syntax a model would otherwise guess: filter operators, sort, path forms, wait, confirm, shell', async () => {
    const { tools } = (await toolsListTokens()) as unknown as { tools: Listed[] };
    const prop = (tool: string, name: string) => tools.find((t) => t.name === tool)!.inputSchema.properties[name].description ?? '';
    for (const op of ['k=v', 'k!=v', 'k~regex', 'k>n', 'k<n', 'k>=n', 'k<=n', 'all must match'])
      expect(prop('proxmox-api-read', 'filter')).toContain(op);
    expect(prop('proxmox-api-read', 'sort')).toMatch(/-key descending/);
    expect(prop('proxmox-api-read', 'path')).toMatch(/\/nodes\/pve1\/qemu\/100\/config.*template with pathParams/);
    expect(prop('proxmox-api', 'wait')).toMatch(/seconds.*false/);
    for (const tool of ['proxmox-api', 'proxmox-execute-vm-command', 'proxmox-execute-container-command'])
      expect(prop(tool, 'confirm')).toMatch(/preview.*user agreed/);
    expect(prop('proxmox-execute-vm-command', 'shell')).toMatch(/sh -c/);
  });

  it('gives each tool two to four sentences and one example call that its own schema accepts', async () => {
    const { tools } = (await toolsListTokens()) as unknown as { tools: Listed[] };
    for (const listed of tools) {
      const [prose, example] = listed.description.split(' E.g. ');
      const sentences = prose.split(/(?<=[.!?])\s+(?=[A-Za-z])/).filter(Boolean);
      expect(sentences.length, listed.name).toBeGreaterThanOrEqual(1);
      expect(sentences.length + 1, listed.name).toBeLessThanOrEqual(4);
      expect(example, `${listed.name} has an example`).toBeTruthy();
      const tool = allTools.find((t) => t.name === listed.name)!;
      expect(tool.input.safeParse(JSON.parse(example)).success, `${listed.name} example ${example}`).toBe(true);
    }
  });

  it('gives the workflow in server instructions of at most 150 tokens, naming only offered tools', () => {
    const all = offerTools(
      configFromEnv({ PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'a@pve!b=c', SSH_AUTH_SOCK: '/run/agent.sock' }),
    ).tools;
    const text = instructionsFor(all);
    expect(encode(text).length).toBeLessThanOrEqual(150);
    for (const word of ['proxmox-api-schema', 'proxmox-api-read', 'proxmox-api;', 'confirm', 'preview']) expect(text).toContain(word);
    const readonly = offerTools(
      configFromEnv({ PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'a@pve!b=c', PROXMOX_READONLY: '1' }),
    ).tools;
    const ro = instructionsFor(readonly);
    expect(ro).not.toMatch(/proxmox-api;|confirm/);
    expect(ro).toMatch(/read-only/);
  });

  it('is the same between runs, so prompt caches hold', async () => {
    const a = await toolsListTokens();
    const b = await toolsListTokens();
    expect(JSON.stringify(b.tools)).toBe(JSON.stringify(a.tools));
  });
});
