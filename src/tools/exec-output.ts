import * as z from 'zod';
import type { ToolOutput } from './types.js';

/** Exec results always carry `structuredContent` (exitCode, stdout, stderr, flags); declared minimally to keep tools/list small. */
export const execOutput = z.object({}).passthrough();

/** What both exec tools report, whatever carried the command (SSH + pct, or the guest agent). */
export interface ExecResult {
  exitCode: number | null;
  signal?: string;
  durationMs: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
}

/** Which end of an over-long stream survives: SSH keeps the tail, the guest agent itself keeps the head. */
export type KeptEnd = 'head' | 'tail';

/**
 * The answer for the model. Streams longer than their share of the answer budget are cut at the same end
 * the transport cut them, and both the text and `structured` say so.
 */
export function renderExecResult(
  r: ExecResult,
  opts: { kept: KeptEnd; budgetChars: number; header: string; notes?: string[]; extra?: Record<string, unknown> },
): ToolOutput {
  const [stdoutLimit, stderrLimit] = shareBudget(r.stdout.length, r.stderr.length, opts.budgetChars);
  const out = cut(r.stdout, stdoutLimit, opts.kept);
  const err = cut(r.stderr, stderrLimit, opts.kept);
  const stdoutTruncated = r.stdoutTruncated || out.cut;
  const stderrTruncated = r.stderrTruncated || err.cut;

  const status = r.timedOut
    ? 'timed out'
    : r.signal
      ? `killed by signal ${r.signal}`
      : r.exitCode === null
        ? 'no exit code'
        : `exit ${r.exitCode}`;
  const lines = [`${opts.header}: ${status} after ${r.durationMs} ms`, ...(opts.notes ?? [])];
  const keptWord = opts.kept === 'tail' ? 'last' : 'first';
  const section = (name: string, text: string, truncated: boolean) => {
    if (!text && !truncated) return;
    lines.push(`--- ${name}${truncated ? ` (truncated: only the ${keptWord} part is shown)` : ''} ---`, text.replace(/\n$/, ''));
  };
  section('stdout', out.text, stdoutTruncated);
  section('stderr', err.text, stderrTruncated);
  if (!r.stdout && !r.stderr) lines.push('(no output)');

  return {
    text: lines.join('\n'),
    // A non-zero exit is an answer (grep found nothing), not a failure of the tool; a timeout is.
    isError: r.timedOut ? true : undefined,
    structured: {
      exitCode: r.exitCode,
      ...(r.signal ? { signal: r.signal } : {}),
      durationMs: r.durationMs,
      timedOut: r.timedOut,
      stdout: out.text,
      stderr: err.text,
      stdoutTruncated,
      stderrTruncated,
      truncationKeeps: opts.kept,
      ...opts.extra,
    },
  };
}

/** Each stream gets half; one that needs less gives the rest to the other. */
function shareBudget(a: number, b: number, budget: number): [number, number] {
  const half = Math.floor(budget / 2);
  if (a + b <= budget) return [a, b];
  if (a <= half) return [a, budget - a];
  if (b <= half) return [budget - b, b];
  return [half, budget - half];
}

function cut(text: string, limit: number, kept: KeptEnd): { text: string; cut: boolean } {
  if (text.length <= limit) return { text, cut: false };
  return { text: kept === 'tail' ? text.slice(text.length - limit) : text.slice(0, limit), cut: true };
}
