/**
 * Operational errors: failures a user can act on (a file that cannot be read, a command that
 * cannot start). One subclass per failure, each with a stable code; the CLI prints them without
 * a stack trace. Anything else that escapes is a bug and is printed with its stack.
 */
export abstract class OperationalError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isOperationalError(error: unknown): error is OperationalError {
  return error instanceof OperationalError;
}
