/**
 * The `digest` of each config a client read, so a later edit of that config carries it and PVE refuses
 * the edit when the config moved in between (optimistic concurrency). Kept per session: one per stdio
 * process; stateless HTTP has no session, so there the read answer names the digest and the model
 * passes it back itself.
 */
const MAX_REMEMBERED = 2000;

export class DigestMemory {
  private readonly byConfig = new Map<string, string>();

  private static key(cluster: string, path: string): string {
    return `${cluster}\n${path}`;
  }

  remember(cluster: string, path: string, digest: string): void {
    const key = DigestMemory.key(cluster, path);
    this.byConfig.delete(key);
    if (this.byConfig.size >= MAX_REMEMBERED) this.byConfig.delete(this.byConfig.keys().next().value as string);
    this.byConfig.set(key, digest);
  }

  recall(cluster: string, path: string): string | undefined {
    return this.byConfig.get(DigestMemory.key(cluster, path));
  }

  forget(cluster: string, path: string): void {
    this.byConfig.delete(DigestMemory.key(cluster, path));
  }
}

/** A config's digest as PVE answers it: a hex string (SHA-1 of the file, or SHA-256 for some). */
export function digestOf(data: unknown): string | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const d = (data as { digest?: unknown }).digest;
  return typeof d === 'string' && /^[0-9a-f]{16,128}$/i.test(d) ? d : undefined;
}

/** PVE's words when the digest sent does not match the config (PVE::Tools::assert_if_modified). */
export function isStaleDigestError(text: string): boolean {
  return /detected modified configuration|file changed by other user/i.test(text);
}
