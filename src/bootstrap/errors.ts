import { OperationalError } from '../errors.js';

/**
 * The router cannot bootstrap hosts: it does not run from the single-file CLI whose
 * bytes it would send (a development checkout run from source), or that file cannot be read.
 */
export class BootstrapSourceError extends OperationalError {
  readonly code = 'BOOTSTRAP_SOURCE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
