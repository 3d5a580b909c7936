/** A synthetic `/cluster/resources` answer shaped like PVE's: about 20 keys per guest, deterministic. */
export function clusterResources(count: number): Array<Record<string, unknown>> {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    const vmid = 100 + i;
    const type = i % 3 === 0 ? 'lxc' : 'qemu';
    const running = i % 7 !== 3;
    const maxmem = 2 ** (30 + (i % 4));
    rows.push({
      id: `${type}/${vmid}`,
      type,
      node: `pve${(i % 8) + 1}`,
      vmid,
      name: `${['web', 'db', 'cache', 'ci', 'mail'][i % 5]}-${String(i).padStart(4, '0')}`,
      status: running ? 'running' : 'stopped',
      maxmem,
      mem: running ? Math.floor(rand() * maxmem) : 0,
      maxcpu: 1 + (i % 8),
      cpu: running ? Math.round(rand() * 1e6) / 1e6 : 0,
      maxdisk: 34359738368,
      disk: type === 'lxc' ? Math.floor(rand() * 3e10) : 0,
      uptime: running ? Math.floor(rand() * 3e6) : 0,
      template: 0,
      tags: i % 4 === 0 ? 'prod;web' : '',
      hastate: i % 7 === 0 ? 'started' : undefined,
      netin: Math.floor(rand() * 1e11),
      netout: Math.floor(rand() * 1e11),
      diskread: Math.floor(rand() * 1e11),
      diskwrite: Math.floor(rand() * 1e11),
      pool: i % 6 === 0 ? 'prod' : undefined,
    });
  }
  return rows;
}

export function seededText(length: number, alphabet: string): string {
  let seed = 99;
  let out = '';
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[seed % alphabet.length];
  }
  return out;
}
