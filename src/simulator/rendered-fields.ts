/**
 * The `renderer` hints PVE's own schema puts on the values its status and list operations return, so
 * that a client showing sizes, times and load for people (as the server does) sees in the demo what it
 * sees on a real node. Names and hints as PVE declares them; added to the declared `returns` on serving.
 */
const FIELD: Record<string, { type: string; renderer: string }> = {
  cpu: { type: 'number', renderer: 'fraction_as_percentage' },
  used_fraction: { type: 'number', renderer: 'fraction_as_percentage' },
  uptime: { type: 'integer', renderer: 'duration' },
  starttime: { type: 'integer', renderer: 'timestamp' },
  endtime: { type: 'integer', renderer: 'timestamp' },
  snaptime: { type: 'integer', renderer: 'timestamp' },
  ...Object.fromEntries(
    [
      'mem',
      'memhost',
      'maxmem',
      'disk',
      'maxdisk',
      'diskread',
      'diskwrite',
      'netin',
      'netout',
      'maxswap',
      'avail',
      'total',
      'used',
      'size',
    ].map((k) => [k, { type: 'integer', renderer: 'bytes' }]),
  ),
};

const GUEST_STATS = ['cpu', 'mem', 'maxmem', 'disk', 'maxdisk', 'diskread', 'diskwrite', 'netin', 'netout', 'uptime'];
const STORAGE_STATS = ['avail', 'total', 'used', 'used_fraction'];

/** GET path -> the returned fields PVE marks with a renderer. */
const RENDERED: Record<string, string[]> = {
  '/cluster/resources': [...GUEST_STATS, 'memhost'],
  '/nodes': ['cpu', 'mem', 'maxmem', 'disk', 'maxdisk', 'uptime'],
  '/nodes/{node}/qemu': GUEST_STATS,
  '/nodes/{node}/lxc': [...GUEST_STATS, 'maxswap'],
  '/nodes/{node}/qemu/{vmid}/status/current': GUEST_STATS,
  '/nodes/{node}/lxc/{vmid}/status/current': [...GUEST_STATS, 'maxswap'],
  '/nodes/{node}/storage': STORAGE_STATS,
  '/nodes/{node}/storage/{storage}/status': STORAGE_STATS,
  '/nodes/{node}/storage/{storage}/content': ['size'],
  '/nodes/{node}/tasks': ['starttime', 'endtime'],
  '/cluster/tasks': ['starttime', 'endtime'],
  '/nodes/{node}/qemu/{vmid}/snapshot': ['snaptime'],
  '/nodes/{node}/lxc/{vmid}/snapshot': ['snaptime'],
};

/** `returns` with PVE's renderer hints added to the records of the operations that carry them. */
export function withRenderedFields(method: string, path: string, returns: Record<string, unknown>): Record<string, unknown> {
  const names = method === 'GET' ? RENDERED[path] : undefined;
  if (!names) return returns;
  // A property the operation declares keeps its declaration and gains the hint.
  const withHints = (declared: Record<string, unknown> = {}) => {
    const out: Record<string, unknown> = { ...declared };
    for (const n of names) out[n] = { optional: 1, ...FIELD[n], ...(declared[n] as object | undefined), renderer: FIELD[n].renderer };
    return out;
  };
  const items = returns.items as { properties?: Record<string, unknown> } | undefined;
  if (returns.type === 'array') return { ...returns, items: { type: 'object', ...items, properties: withHints(items?.properties) } };
  return { ...returns, type: 'object', properties: withHints(returns.properties as Record<string, unknown> | undefined) };
}
