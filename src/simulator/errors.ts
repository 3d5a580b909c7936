/**
 * An answer PVE gives as an error: the message becomes the HTTP reason phrase (first line) and the
 * body's `message`; parameter checks add `errors`.
 */
export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
    this.name = 'PveError';
  }
}

export function paramError(errors: Record<string, string>): PveError {
  return new PveError(400, 'Parameter verification failed.', errors);
}

export function permError(path: string, privs: string): PveError {
  return new PveError(403, `Permission check failed (${path}, ${privs})`);
}
