import type { Concept, ProductKnowledge, Recipe } from './types.js';

// Proxmox Datacenter Manager's concepts in the words of its documentation (remotes, resources, views,
// cross-cluster migration, updates and subscriptions across remotes) and the words people use for them.

const R = '/pve/remotes/{remote}';

export const PDM_CONCEPTS: Concept[] = [
  // The product's own name says nothing about which operation is meant ("manager" is not Ceph's mgr).
  { concept: 'the Datacenter Manager', say: /\b(proxmox )?datacenter manager\b|\bpdm\b/, terms: [] },
  { concept: 'guest shutdown', say: /\bshut ?(it |them )?down\b/, terms: ['shutdown'] },
  { concept: 'remote', say: /\b(remotes?|managed (clusters?|hosts?|nodes?)|clusters? (it )?manages?)\b/, terms: ['remote', 'remotes'] },
  {
    concept: 'resources',
    say: /\b(resources?|inventory|across (all )?(the )?(clusters|remotes)|all (the )?(vms|guests|containers|clusters)|everywhere)\b/,
    terms: ['resources'],
  },
  { concept: 'top entities', say: /\b(most (cpu|memory|ram|load)|top|busiest|heaviest|hungriest)\b/, terms: ['top-entities'] },
  {
    concept: 'cross-cluster migration',
    say: /\b((an)?other cluster|cross[- ]cluster|between clusters|(from|to) cluster \w+|remote[- ]migrat\w*)\b/,
    terms: ['remote-migrate'],
  },
  { concept: 'view', say: /\b(views?|dashboards?)\b/, terms: ['views'] },
  { concept: 'updates', say: /\b(updates?|upgrades?|pending packages?|package updates?|apt)\b/, terms: ['updates'] },
  { concept: 'subscriptions', say: /\b(subscriptions?|licen[cs]es?|subscription keys?)\b/, terms: ['subscriptions', 'subscription'] },
  { concept: 'location', say: /\b(where is|located|which (cluster|remote|node) (is|runs|has)|running where)\b/, terms: ['location-info'] },
  { concept: 'status summary', say: /\b(health( summary)?|overview|status of all)\b/, terms: ['resources', 'status'] },
  { concept: 'TLS fingerprint', say: /\b(fingerprint|tls|certificate of (a )?new)\b/, terms: ['probe-tls', 'probe-certificate'] },
  { concept: 'backup server remote', say: /\b(backup servers?|pbs)\b/, terms: ['pbs'] },
  { concept: 'metrics', say: /\b(metrics?|collect(ion)?)\b/, terms: ['metric-collection'] },
  {
    concept: 'automated installer',
    say: /\b(auto-?install\w*|answer files?|unattended install\w*|prepared answers?)\b/,
    terms: ['auto-install'],
  },
  { concept: 'graphs', say: /\b(graphs?|rrd|history|over time)\b/, terms: ['rrddata'] },
  { concept: 'shell', say: /\b(shell|terminal|console)\b/, terms: ['termproxy'] },
  { concept: 'datacenter notes', say: /\b(notes?|comments?)\b/, terms: ['notes'] },
  { concept: 'proxmox-datacenter-manager-admin', say: /\bproxmox-datacenter-manager\S*\b/, terms: ['remotes'] },
];

export const PDM_RECIPES: Recipe[] = [
  {
    goal: 'move a guest to another cluster',
    words: 'move migrate guest vm container another cluster remote datacenter',
    steps: [
      { op: 'GET /resources/location-info', why: 'find which remote and node the guest is on' },
      { op: `GET ${R}/qemu/{vmid}/migrate`, why: 'check what the migration needs (local disks, resources)' },
      { op: `POST ${R}/qemu/{vmid}/remote-migrate`, why: 'migrate it to the target remote (lxc for containers)' },
    ],
  },
  {
    goal: 'bring a new cluster under management',
    words: 'add new cluster host remote manage onboard',
    steps: [
      { op: 'POST /pve/probe-tls', why: "read the host's certificate fingerprint" },
      { op: 'POST /pve/scan', why: 'scan the host for its cluster nodes' },
      { op: 'POST /remotes/remote', why: 'add it as a remote (with a token)' },
    ],
  },
];

export const PDM_KNOWLEDGE: ProductKnowledge = { product: 'pdm', concepts: PDM_CONCEPTS, recipes: PDM_RECIPES };
