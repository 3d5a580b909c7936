/**
 * Collects a stream up to a byte limit, keeping the END: in long command output the last lines (the
 * error, the summary) matter most. Memory stays bounded however much the remote side writes.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private held = 0;
  /** Every byte seen, kept or not. */
  total = 0;

  constructor(readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.held > this.maxBytes * 2) this.compact();
  }

  get truncated(): boolean {
    return this.total > this.maxBytes;
  }

  /** The kept bytes as UTF-8; a character cut in half at the start is dropped rather than shown as garbage. */
  text(): string {
    this.compact();
    let buf = Buffer.concat(this.chunks);
    if (this.truncated) {
      let start = 0;
      while (start < buf.length && start < 4 && (buf[start] & 0xc0) === 0x80) start++;
      buf = buf.subarray(start);
    }
    return buf.toString('utf8');
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const kept = all.length > this.maxBytes ? all.subarray(all.length - this.maxBytes) : all;
    this.chunks = [Buffer.from(kept)];
    this.held = kept.length;
  }
}
