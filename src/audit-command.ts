import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './config/error.js';
import { verifyChain } from './safety/audit-chain.js';

const USAGE =
  'usage: proxmox-mcp audit verify FILE [NEWER_FILE ...]   (rotated files oldest first; PROXMOX_AUDIT_KEY when the log is keyed)';
/** Verification reads whole files; beyond this, rotate more often. */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;

/**
 * `proxmox-mcp audit verify FILE...`: checks the audit log's hash chain and names the first bad line.
 * Prints one verdict line (and, when intact, the last hash to keep elsewhere); returns the exit code.
 */
export function auditCommand(
  args: string[],
  env: Record<string, string | undefined> = process.env,
  out: (line: string) => void = (l) => process.stdout.write(l + '\n'),
): number {
  const [sub, ...files] = args;
  if (sub !== 'verify' || files.length === 0) throw new ConfigError(USAGE);
  const key = env.PROXMOX_AUDIT_KEY ? env.PROXMOX_AUDIT_KEY.trim() : undefined;
  const texts = files.map((name) => {
    let size: number;
    try {
      size = statSync(name).size;
    } catch (err) {
      throw new ConfigError(`audit verify: cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (size > MAX_FILE_BYTES)
      throw new ConfigError(`audit verify: ${name} is larger than 1 GiB; rotate the log and verify the parts in order`);
    return { name, text: readFileSync(name, 'utf8') };
  });
  const result = verifyChain(texts, key);
  if (!result.ok && result.problem) {
    const { file, line, reason } = result.problem;
    out(`BAD ${file}${line ? ` line ${line}` : ''}: ${reason} (${result.records} record(s) before it are intact)`);
    return 1;
  }
  out(
    `ok: ${result.records} record(s) in ${files.length} file(s), chain intact${key ? ' (HMAC keyed)' : ''}; last hash ${result.lastHash}`,
  );
  if (result.continuesFrom)
    out(`the chain continues a rotated file whose last hash is ${result.continuesFrom}; pass that file first to check the link`);
  out('A cut at the end of the file cannot show in the chain itself: compare the last hash with one kept elsewhere.');
  return 0;
}
