import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { log } from './log.js';

/** Longest JSON-RPC message read from stdin; tool arguments are far smaller (see README, Safety). */
export const MAX_STDIO_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Stands between stdin and the SDK's stdio transport. The SDK closes its transport on a message over its
 * buffer (leaving a live process that answers nothing) and skips a line that is not JSON without a word,
 * so the client waits for ever. Here a message that cannot be taken gets a JSON-RPC error answer (with its
 * id when one can be read from its start) and a line in the log; everything else passes through unchanged.
 */
export function guardStdin(stdin: Readable, stdout: Writable, maxBytes = MAX_STDIO_MESSAGE_BYTES): Readable {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Set while the rest of an over-long line is being thrown away; holds the line's first bytes for its id. */
  let discarding: Buffer | undefined;

  const answer = (code: number, message: string, head: Buffer) => {
    const id = idFrom(head.subarray(0, 4096).toString('utf8'));
    log.warn(`stdin: ${message}${id === null ? '' : ` (request id ${JSON.stringify(id)})`}`);
    stdout.write(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }) + '\n');
  };

  const take = (line: Buffer, push: (b: Buffer) => void) => {
    const text = line.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return answer(-32700, 'Parse error: the message is not valid JSON', line);
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    if (messages.length === 0 || messages.some((m) => m === null || typeof m !== 'object' || Array.isArray(m))) {
      return answer(-32600, 'Invalid Request: a JSON-RPC message must be an object', line);
    }
    for (const m of messages as Array<Record<string, unknown>>) {
      if ('method' in m && typeof m.method !== 'string') return answer(-32600, 'Invalid Request: "method" must be a string', line);
    }
    push(Buffer.from(text + '\n'));
  };

  const guard = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      let rest = chunk;
      while (rest.length) {
        const nl = rest.indexOf(0x0a);
        if (discarding) {
          if (nl === -1) return done();
          answer(-32600, `Invalid Request: message over ${maxBytes} bytes refused (stdio limit)`, discarding);
          discarding = undefined;
          rest = rest.subarray(nl + 1);
          continue;
        }
        const part = nl === -1 ? rest : rest.subarray(0, nl);
        if (pendingBytes + part.length > maxBytes) {
          const head = Buffer.concat([...pending, part]).subarray(0, 4096);
          pending = [];
          pendingBytes = 0;
          if (nl === -1) {
            discarding = head;
            return done();
          }
          answer(-32600, `Invalid Request: message over ${maxBytes} bytes refused (stdio limit)`, head);
          rest = rest.subarray(nl + 1);
          continue;
        }
        if (nl === -1) {
          pending.push(part);
          pendingBytes += part.length;
          return done();
        }
        const line = pending.length ? Buffer.concat([...pending, part]) : part;
        pending = [];
        pendingBytes = 0;
        take(line, (b) => this.push(b));
        rest = rest.subarray(nl + 1);
      }
      done();
    },
  });
  stdin.pipe(guard);
  return guard;
}

/** The request id, read from the start of a message that could not be parsed whole. */
function idFrom(head: string): string | number | null {
  const m = /"id"\s*:\s*(-?\d{1,15}|"((?:[^"\\]|\\.){0,200})")/.exec(head);
  if (!m) return null;
  if (m[2] !== undefined) {
    try {
      return JSON.parse(`"${m[2]}"`) as string;
    } catch {
      return null;
    }
  }
  return Number(m[1]);
}
