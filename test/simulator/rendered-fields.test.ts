import { describe, expect, it } from 'vitest';
import { renderersOf } from '../../src/output/values.js';
import { withRenderedFields } from '../../src/simulator/rendered-fields.js';

describe("the simulator's renderer hints", () => {
  it('adds the hint to a property the operation declares itself, as PVE marks it', () => {
    const declared = { type: 'object', properties: { total: { type: 'integer', description: 'Total storage space.' } } };
    const served = withRenderedFields('GET', '/nodes/{node}/storage/{storage}/status', declared);
    expect((served.properties as Record<string, unknown>).total).toMatchObject({ description: 'Total storage space.', renderer: 'bytes' });
    expect(renderersOf(served).get('total')).toBe('bytes');
  });

  it('marks memhost in the cluster-wide resource list, and leaves writes alone', () => {
    const list = { type: 'array', items: { type: 'object', properties: {} } };
    expect(renderersOf(withRenderedFields('GET', '/cluster/resources', list)).get('memhost')).toBe('bytes');
    expect(withRenderedFields('POST', '/cluster/resources', list)).toBe(list);
  });
});
