import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { renderDetail, renderList } from '../../src/schema/render.js';
import { catalogFor, haveApidoc, missingNote } from './shared.js';

describe.skipIf(!haveApidoc)(`render on PVE 9.2 (${missingNote})`, () => {
  const c = haveApidoc ? catalogFor('9.2') : undefined!;

  it('keeps the biggest operation under 2,000 tokens, required parameters included', () => {
    const op = c.get('POST', '/nodes/{node}/qemu')!;
    const text = renderDetail(op);
    expect(countTokens(text)).toBeLessThan(2000);
    for (const p of op.params.filter((p) => !p.optional)) expect(text).toContain(p.name);
    expect(text).toMatch(/^POST \/nodes\/\{node\}\/qemu\n/);
    expect(text).toContain('task UPID');
    // every parameter is at least named, and families take one line each
    for (const p of op.params) expect(text).toContain(p.name);
    expect(text.match(/^ {2}net\[n\] /gm)).toHaveLength(1);
    expect(text).toMatch(/params=\["/);
  });

  it('stays compact for every large operation', () => {
    for (const op of c.operations.filter((o) => o.params.length > 40)) {
      expect(countTokens(renderDetail(op)), `${op.method} ${op.path}`).toBeLessThan(2000);
    }
  });

  it('shows chosen parameters in full', () => {
    const op = c.get('POST', '/nodes/{node}/qemu')!;
    const text = renderDetail(op, { params: ['net0', 'scsi[n]'] });
    expect(text).toContain('[model=]<enum> [,bridge=<bridge>]');
    expect(text).toContain('- bridge ');
    expect(text).toContain('sent as scsi0 .. scsi30');
    expect(text).not.toContain('  ostype');
    expect(renderDetail(op, { params: ['nosuch'] })).toContain('No such parameter: nosuch');
    expect(renderDetail(op, { full: true }).length).toBeGreaterThan(renderDetail(op).length * 2);
  });

  it('shows the shape of a property string the schema names only by format (cpu, boot, hostpci)', () => {
    const op = c.get('POST', '/nodes/{node}/qemu/{vmid}/config')!;
    const text = renderDetail(op, { params: ['cpu', 'boot', 'hostpci[n]', 'name'] });
    expect(text).toContain('format: [[cputype=]<string>] [,flags=');
    expect(text).toContain('format: [[legacy=]');
    expect(text).toContain('format: [[host=]<HOSTPCIID');
    // a plain string keeps one line
    expect(text).not.toMatch(/ {2}name string[^\n]*\n {4}format:/);
  });

  it('lists operations one per line with short summaries', () => {
    const ops = c.subtree('/nodes/{node}/qemu/{vmid}/snapshot');
    const text = renderList(ops.slice(0, 3), { total: ops.length, note: 'narrow it' });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^GET +\/nodes\/\{node\}\/qemu\/\{vmid\}\/snapshot +\S/);
    expect(lines).toContain(`... ${ops.length - 3} more`);
    expect(lines.at(-1)).toBe('narrow it');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(140);
  });

  it('describes permissions and parameter constraints', () => {
    const text = renderDetail(c.get('GET', '/nodes/{node}/qemu/{vmid}/status/current')!);
    expect(text).toContain('Permissions: VM.Audit on /vms/{vmid}');
    expect(text).toContain('Path parameters: node, vmid');
    const start = renderDetail(c.get('POST', '/nodes/{node}/qemu/{vmid}/status/start')!);
    expect(start).toMatch(/migration_type string secure\|insecure/);
  });
});
