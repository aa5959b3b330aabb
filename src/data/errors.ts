/**
 * DataError: bad user input (empty, binary, not UTF-8, too short, malformed CSV...).
 * Its `.message` is one plain sentence meant to be shown to the user as is, without a stack trace.
 */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** true for a DataError, also across module copies (bundles, worker threads that re-create the error by name) */
export function isDataError(e: unknown): e is DataError {
  return e instanceof DataError || (e instanceof Error && e.name === 'DataError');
}
