import type { ClientChannel, ConnectConfig } from 'ssh2';
import { checkHostKey, loadKnownHosts, preferredHostKeyAlgorithms, type HostKeyVerdict } from './host-key-check.js';
import { TailBuffer } from './tail-buffer.js';

export type SshFailure =
  'host-key-unknown' | 'host-key-mismatch' | 'auth' | 'refused' | 'connect-timeout' | 'unreachable' | 'key-file' | 'protocol';

/** The command never ran: connection, trust or login failed. */
export class SshError extends Error {
  constructor(
    readonly kind: SshFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

export interface SshExecOptions {
  host: string;
  port: number;
  user: string;
  /** Private key contents (PEM or OpenSSH format); else `agentSocket` is used. */
  privateKey?: Buffer;
  passphrase?: string;
  agentSocket?: string;
  knownHostsPath: string;
  pinnedFingerprint?: string;
  /** The command line for the remote user's shell; the caller has quoted everything in it. */
  command: string;
  /** Written to the command's stdin, which is then closed (always closed, so nothing waits for input). */
  input?: string;
  connectTimeoutMs: number;
  timeoutMs: number;
  /** Per stream; the tail is kept. */
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** See DEFAULT_STOP_GRACE_MS. */
  stopGraceMs?: number;
}

export interface SshExecResult {
  exitCode: number | null;
  /** Set when the remote process died of a signal. */
  exitSignal?: string;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
}

/**
 * How long a timed-out command gets, after our SIGTERM, to exit before the channel is closed under it.
 * It covers the node-side `timeout -k` (see pct-exec.ts), which is what ends the command in root sessions.
 */
export const DEFAULT_STOP_GRACE_MS = 8000;

/** ssh2 costs about 60 ms to load; only the container tool needs it, so it is loaded on first use. */
let ssh2: Promise<typeof import('ssh2')> | undefined;

export async function sshExec(opts: SshExecOptions): Promise<SshExecResult> {
  const { Client } = await (ssh2 ??= import('ssh2'));
  const entries = loadKnownHosts(opts.knownHostsPath);
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new SshError('protocol', 'cancelled before connecting'));
    const conn = new Client();
    let verdict: HostKeyVerdict | undefined;
    let settled = false;
    let started = 0;
    const stdout = new TailBuffer(opts.maxOutputBytes);
    const stderr = new TailBuffer(opts.maxOutputBytes);
    let channel: ClientChannel | undefined;
    let exitCode: number | null = null;
    let exitSignal: string | undefined;
    let timedOut = false;
    let cancelled = false;
    let commandTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const cleanup = () => {
      clearTimeout(commandTimer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      conn.end();
    };
    const fail = (err: SshError) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(err);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve({
        exitCode,
        exitSignal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        stdoutBytes: stdout.total,
        stderrBytes: stderr.total,
        durationMs: started ? Date.now() - started : 0,
        timedOut,
        cancelled,
      });
    };
    // Ending the remote process: SIGTERM (OpenSSH delivers it to the session's process group, except in
    // root sessions), a grace period, then KILL and closing the channel, which also closes the command's pipes.
    const stop = () => {
      if (!channel) return finish();
      if (graceTimer) return;
      sendSignal(channel, 'TERM');
      graceTimer = setTimeout(() => {
        try {
          if (channel) sendSignal(channel, 'KILL');
          channel?.close();
        } catch {
          // closing a dead channel is harmless
        }
        finish();
      }, opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    };
    function onAbort() {
      if (!channel) return fail(new SshError('protocol', 'cancelled'));
      cancelled = true;
      stop();
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const config: ConnectConfig = {
      host: opts.host,
      port: opts.port,
      username: opts.user,
      readyTimeout: opts.connectTimeoutMs,
      privateKey: opts.privateKey,
      passphrase: opts.passphrase,
      agent: opts.privateKey ? undefined : opts.agentSocket,
      hostVerifier: (key: Buffer) => {
        verdict = checkHostKey(
          key,
          { host: opts.host, port: opts.port, knownHostsPath: opts.knownHostsPath, pinnedFingerprint: opts.pinnedFingerprint },
          entries,
        );
        return verdict.ok;
      },
    };
    const algos = preferredHostKeyAlgorithms(entries, opts.host, opts.port);
    if (algos) config.algorithms = { serverHostKey: algos as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };

    conn.on('error', (err: Error & { level?: string; code?: string }) => {
      fail(describeConnectError(err, opts, verdict));
    });
    conn.on('close', () => {
      if (channel) finish();
      else fail(describeConnectError(new Error('connection closed before the command started'), opts, verdict));
    });
    conn.on('ready', () => {
      conn.exec(opts.command, (err, stream) => {
        if (err) return fail(new SshError('protocol', `the node refused to start the command: ${err.message}`));
        channel = stream;
        started = Date.now();
        stream.on('data', (d: Buffer) => stdout.push(d));
        stream.stderr.on('data', (d: Buffer) => stderr.push(d));
        stream.on('exit', (code: number | null, signal?: string) => {
          if (typeof code === 'number') exitCode = code;
          if (signal) exitSignal = signal;
        });
        stream.on('close', finish);
        stream.end(opts.input ?? undefined);
        commandTimer = setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs);
      });
    });

    try {
      conn.connect(config);
    } catch (e) {
      // ssh2 parses the key synchronously: a wrong passphrase or a foreign format ends up here.
      fail(
        new SshError(
          'key-file',
          `the SSH key in PROXMOX_SSH_KEY_PATH cannot be used: ${(e as Error).message} (check PROXMOX_SSH_KEY_PASSPHRASE)`,
        ),
      );
    }
  });
}

function describeConnectError(
  err: Error & { level?: string; code?: string },
  opts: SshExecOptions,
  verdict: HostKeyVerdict | undefined,
): SshError {
  const where = `${opts.host}:${opts.port}`;
  if (verdict && !verdict.ok) {
    return new SshError(verdict.problem === 'unknown' ? 'host-key-unknown' : 'host-key-mismatch', verdict.message);
  }
  if (err.level === 'client-authentication') {
    const how = opts.privateKey ? 'the key in PROXMOX_SSH_KEY_PATH' : 'the keys in ssh-agent (SSH_AUTH_SOCK)';
    return new SshError(
      'auth',
      `SSH login to ${where} as ${opts.user} failed: the node did not accept ${how}. Add its public key to ~${opts.user}/.ssh/authorized_keys on the node (or check PROXMOX_SSH_USER).`,
    );
  }
  if (err.level === 'client-timeout') {
    return new SshError(
      'connect-timeout',
      `no SSH connection to ${where} within ${opts.connectTimeoutMs} ms (PROXMOX_SSH_CONNECT_TIMEOUT): is the address right and port ${opts.port} open?`,
    );
  }
  switch (err.code) {
    case 'ECONNREFUSED':
      return new SshError(
        'refused',
        `SSH connection to ${where} refused: is sshd running there, and is PROXMOX_SSH_PORT (${opts.port}) right?`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SshError('unreachable', `cannot resolve ${opts.host}: check PROXMOX_SSH_HOSTS`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return new SshError('unreachable', `cannot reach ${where}: ${err.message}`);
  }
  return new SshError('protocol', `SSH connection to ${where} failed: ${err.message}`);
}

interface ChannelInternals {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
}

/**
 * ssh2's public `channel.signal()` does nothing once our side of the channel is ended, and we always end it
 * (so the command sees EOF on stdin). The protocol request itself is valid at any time the channel is open;
 * OpenSSH answers it with killpg() on the session's process group.
 */
function sendSignal(channel: ClientChannel, name: 'TERM' | 'KILL'): void {
  const internals = channel as unknown as ChannelInternals;
  try {
    const state = internals.outgoing?.state;
    if ((state === 'open' || state === 'eof') && typeof internals.outgoing?.id === 'number') {
      internals._client?._protocol?.signal(internals.outgoing.id, name);
    } else {
      channel.signal(name);
    }
  } catch {
    // The channel is already gone: nothing left to signal.
  }
}
