import { appendFileSync, closeSync, mkdirSync, openSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { log } from '../log.js';
import { fileEnd, sealRecord, type ChainLink } from './audit-chain.js';
import { redactCommand, redactParams, redactString } from './redact.js';

/** The audit log cannot take a record: the call it would record is not run (fail closed). */
export class AuditUnavailable extends Error {
  constructor(
    readonly logPath: string,
    readonly why: string,
  ) {
    super(`the audit log PROXMOX_AUDIT_LOG=${logPath} cannot be written (${why})`);
    this.name = 'AuditUnavailable';
  }
}

/** Less free space than this counts as a full disk: a record must fit, with room to spare. */
const MIN_FREE_BYTES = 64 * 1024;

export interface AuditEntry {
  tool: string;
  cluster?: string;
  method?: string;
  path?: string;
  params?: Record<string, unknown>;
  command?: string;
  status: 'ok' | 'error' | 'refused' | 'cancelled';
  httpStatus?: number;
  upid?: string;
  error?: string;
  /** Exit code of a command run inside a guest. */
  exitCode?: number;
  durationMs?: number;
}

/**
 * PROXMOX_AUDIT_LOG: one JSON line per write or exec call, secrets redacted. Written synchronously so
 * lines from concurrent calls never interleave and a record exists before the answer goes out.
 * Auditing must never break the call it records, so failures are reported (once) and swallowed.
 */
export class AuditLog {
  private warned = false;
  private dirReady = false;
  private warnedUnchained = false;
  /** The last record this process wrote: a file that vanished (rotated) starts a new chain naming it. */
  private last?: ChainLink;

  constructor(
    readonly path?: string,
    /** PROXMOX_AUDIT_KEY: the chain's hashes are HMACs with it. */
    private readonly key?: string,
  ) {}

  /**
   * Fails closed: the directory and file can be created and appended to, and the disk is not full.
   * Called at start-up (a bad path stops the server) and before every write or command is run (a log that
   * went bad since refuses the call instead of running it unrecorded).
   */
  assertWritable(): void {
    if (!this.path) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      closeSync(openSync(this.path, 'a', 0o600));
      this.dirReady = true;
      const fs = statfsSync(dirname(this.path));
      if (fs.bavail * fs.bsize < MIN_FREE_BYTES) throw Object.assign(new Error('no space left on the device'), { code: 'ENOSPC' });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new AuditUnavailable(this.path, e.code ? `${e.code}: ${e.message.replace(/^\w+: /, '').split(',')[0]}` : e.message);
    }
  }

  record(entry: AuditEntry): void {
    if (!this.path) return;
    try {
      const record = {
        time: new Date().toISOString(),
        tool: entry.tool,
        cluster: entry.cluster,
        method: entry.method,
        path: entry.path,
        params: entry.params === undefined ? undefined : redactParams(entry.params, entry.path),
        command: entry.command === undefined ? undefined : redactCommand(entry.command),
        status: entry.status,
        httpStatus: entry.httpStatus,
        upid: entry.upid,
        exitCode: entry.exitCode,
        error: entry.error === undefined ? undefined : redactString(entry.error),
        durationMs: entry.durationMs,
      };
      if (!this.dirReady) {
        mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
        this.dirReady = true;
      }
      const { line, link } = sealRecord(record, this.nextLink(this.path), this.key);
      // The mode applies when the file is created; an existing file keeps the permissions its owner chose.
      appendFileSync(this.path, line + '\n', { mode: 0o600 });
      this.last = link;
    } catch (err) {
      if (!this.warned) {
        this.warned = true;
        log.error(`cannot write the audit log PROXMOX_AUDIT_LOG=${this.path}: ${(err as Error).message}; later failures are not reported`);
      }
    }
  }

  /**
   * Read from the file's end before every record, not remembered: the chain then follows rotation
   * (the file is gone or empty) and other processes writing the same file one after another.
   */
  private nextLink(path: string): { seq: number; prev: string | null } {
    const end = fileEnd(path);
    if (end.state === 'chained') return { seq: end.link.seq + 1, prev: end.link.hash };
    if (end.state === 'unchained' && !this.warnedUnchained) {
      this.warnedUnchained = true;
      log.warn(
        `the audit log ${path} ends with a line that is not part of a hash chain (an older format?); a new chain starts after it, so rotate the file to verify it cleanly`,
      );
    }
    return { seq: 1, prev: this.last?.hash ?? null };
  }
}
