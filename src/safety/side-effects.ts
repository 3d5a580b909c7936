import { parseRule, ruleMatches, type Rule } from './pattern.js';

/**
 * GETs that make the node act on the outside world: fetch a URL, contact a registry or a host the caller
 * names, scan devices and networks, start a helper VM. Read-only mode refuses them unless a
 * PROXMOX_ALLOW rule names them; discovery marks them. Gathered from the PVE 7.4-9.2, PBS 4.2 and PDM 1.1
 * schemas (GETs whose parameters name a URL, server, portal or host, plus scans and probes).
 */
const ENTRIES: Array<{ rule: string; why: string }> = [
  { rule: 'GET /nodes/*/query-url-metadata', why: 'makes the node fetch the URL you give' },
  { rule: 'GET /nodes/*/query-oci-repo-tags', why: 'makes the node contact the container registry you name' },
  { rule: 'GET /nodes/*/scan/*', why: 'makes the node scan devices or connect to the server you name' },
  { rule: 'GET /cluster/acme/meta', why: 'makes the node fetch the ACME directory you name' },
  { rule: 'GET /cluster/acme/tos', why: 'makes the node fetch the ACME directory you name' },
  { rule: 'GET /config/acme/tos', why: 'makes the server fetch the ACME directory you name' },
  { rule: 'GET /nodes/*/apt/changelog', why: 'makes the node download a package changelog' },
  { rule: 'GET /nodes/*/storage/*/file-restore/list', why: 'starts a file-restore helper VM on the node' },
  { rule: 'GET /nodes/*/storage/*/file-restore/download', why: 'starts a file-restore helper VM on the node' },
  { rule: 'GET /config/remote/*/scan/**', why: 'makes the server connect to the remote' },
  { rule: 'GET /config/remote/*/scan', why: 'makes the server connect to the remote' },
  { rule: 'GET /config/s3/*/list-buckets', why: 'makes the server connect to the S3 endpoint' },
  { rule: 'GET /tape/scan-changers', why: 'scans for tape changers' },
  { rule: 'GET /tape/scan-drives', why: 'scans for tape drives' },
  { rule: 'GET /pve/realms', why: 'makes the server connect to the host you name' },
  { rule: 'GET /pbs/realms', why: 'makes the server connect to the host you name' },
];

const RULES: Array<{ parsed: Rule; why: string }> = ENTRIES.map((e) => ({ parsed: parseRule(e.rule, 'side-effect list'), why: e.why }));

/** Why a GET acts on the outside world, or undefined for a plain read. `paths`: template and/or concrete path. */
export function sideEffectOf(method: string, ...paths: string[]): string | undefined {
  if (method.toUpperCase() !== 'GET') return undefined;
  return RULES.find((r) => paths.some((p) => ruleMatches(r.parsed, 'GET', p)))?.why;
}
