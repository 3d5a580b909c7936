// Errors every layer may throw. They sit below everything else so that exec/, the runtime and the tools
// share them without importing one another.

/** An expected failure whose message is for the model as it stands (bad input, refused call, ...). */
export class ToolError extends Error {
  constructor(
    message: string,
    /** Sent as the error result's structuredContent (e.g. a confirmation preview's token). */
    readonly structured?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}
