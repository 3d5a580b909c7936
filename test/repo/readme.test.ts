import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allOperations } from '../../src/simulator/routes/index.js';
import { root } from './staging.js';

const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README facts a newcomer relies on', () => {
  it("states the demo's operation count next to the real one, and the number is right", () => {
    const m = /\*\*(\d+) of PVE 9\.2's (\d+) operations\*\*/.exec(readme);
    expect(m, 'README names the demo count as "**N of PVE 9.2\'s 675 operations**"').not.toBeNull();
    expect(Number(m![1])).toBe(allOperations().length);
    expect(Number(m![2])).toBe(675);
  });

  it('shows a way in that works without the npm registry before the registry form', () => {
    const clients = readme.slice(readme.indexOf('## Use it with your MCP client'), readme.indexOf('## Configuration'));
    const fromClone = clients.indexOf('"args": ["/home/me/proxmox-mcp/dist/cli.js"]');
    const tarball = clients.indexOf('npm install -g ./proxmox-mcp-');
    const registry = clients.indexOf('**Once the package is published**');
    expect(fromClone).toBeGreaterThan(-1);
    expect(tarball).toBeGreaterThan(-1);
    expect(registry).toBeGreaterThan(Math.max(fromClone, tarball));
    // Every client snippet before the registry paragraph starts the server from the clone or the tarball.
    expect(clients.slice(0, registry).match(/npx -y proxmox-mcp|"npx"/g) ?? []).toEqual([]);
  });

  it('says which Node lines are supported and tested', () => {
    expect(readme).toMatch(/Node 22 and 24 are the tested lines/);
    expect(readme).toMatch(/Node 20 .*end of life in April 2026/s);
  });

  it('grants token roles to the user and the token (privilege separation intersects them)', () => {
    const recipes = [...readme.matchAll(/pveum acl modify [^\n]*--tokens[^\n]*/g)].map((m) => m[0]);
    expect(recipes.length).toBeGreaterThan(0);
    for (const line of recipes) expect(line, line).toMatch(/--users /);
  });
});
