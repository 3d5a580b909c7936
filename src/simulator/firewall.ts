import type { Item } from './crud.js';

/** One firewall rule as PVE stores it (`pos` is its index, not stored). */
export type Rule = Item & { type: string; action: string; enable?: number };

/** What one firewall scope (the datacenter, a node, a guest) holds. */
export interface FirewallScope {
  rules: Rule[];
  aliases: Map<string, { cidr: string; comment?: string }>;
  ipsets: Map<string, { comment?: string; entries: Map<string, { nomatch?: number; comment?: string }> }>;
  /** Security groups (datacenter only). */
  groups: Map<string, { comment?: string; rules: Rule[] }>;
  options: Item;
}

export function newFirewallScope(options: Item = {}): FirewallScope {
  return { rules: [], aliases: new Map(), ipsets: new Map(), groups: new Map(), options };
}

/** The datacenter firewall a fresh simlab has: enabled, a management alias and ipset, a web group in use. */
export function seedFirewall(map: Map<string, FirewallScope>): void {
  const dc = newFirewallScope({ enable: 1, policy_in: 'DROP', policy_out: 'ACCEPT' });
  dc.aliases.set('mgmt-net', { cidr: '192.0.2.0/24', comment: 'management network' });
  dc.aliases.set('backup-server', { cidr: '192.0.2.50', comment: 'NFS backup target' });
  dc.ipsets.set('admins', {
    comment: 'admin workstations',
    entries: new Map([
      ['198.51.100.10', { comment: 'alice' }],
      ['198.51.100.11', {}],
    ]),
  });
  dc.groups.set('webserver', {
    comment: 'HTTP and HTTPS in',
    rules: [
      { type: 'in', action: 'ACCEPT', macro: 'HTTPS', enable: 1 },
      { type: 'in', action: 'ACCEPT', macro: 'HTTP', enable: 1 },
    ],
  });
  dc.rules.push(
    { type: 'in', action: 'ACCEPT', source: '+admins', proto: 'tcp', dport: '8006', enable: 1, comment: 'GUI from admins' },
    { type: 'in', action: 'ACCEPT', source: 'mgmt-net', macro: 'SSH', enable: 1, log: 'info' },
    { type: 'in', action: 'ACCEPT', macro: 'Ping', enable: 1 },
  );
  map.set('cluster', dc);
  const web = newFirewallScope({ enable: 1, policy_in: 'DROP' });
  web.rules.push(
    { type: 'group', action: 'webserver', enable: 1 },
    { type: 'in', action: 'ACCEPT', source: 'dc/mgmt-net', macro: 'SSH', enable: 1, log: 'info' },
  );
  map.set('vm/100', web);
}
