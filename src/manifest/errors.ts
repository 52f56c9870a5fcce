/**
 * Operational errors of reading a manifest (the file is missing, a directory, unreadable).
 * Unlike diagnostics these are not about the file's content, so they carry no position; the CLI
 * prints their message without a stack.
 */
import { OperationalError } from '../errors.js';

export type ManifestReadErrorCode = 'MANIFEST_NOT_FOUND' | 'MANIFEST_IS_DIRECTORY' | 'MANIFEST_ACCESS_DENIED' | 'MANIFEST_READ_FAILED';

const REASONS: Record<ManifestReadErrorCode, string> = {
  MANIFEST_NOT_FOUND: 'no such file',
  MANIFEST_IS_DIRECTORY: 'it is a directory',
  MANIFEST_ACCESS_DENIED: 'permission denied',
  MANIFEST_READ_FAILED: 'read failed',
};

export class ManifestReadError extends OperationalError {

  constructor(
    readonly code: ManifestReadErrorCode,
    readonly path: string,
    options: { cause: unknown },
  ) {
    const detail = code === 'MANIFEST_READ_FAILED' && options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`cannot read manifest ${JSON.stringify(path)}: ${REASONS[code]}${detail}`, options);
  }
}

/** The ManifestReadError code for a Node fs error code. */
export function readErrorCode(errno: unknown): ManifestReadErrorCode {
  switch (errno) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'MANIFEST_NOT_FOUND';
    case 'EISDIR':
      return 'MANIFEST_IS_DIRECTORY';
    case 'EACCES':
    case 'EPERM':
      return 'MANIFEST_ACCESS_DENIED';
    default:
      return 'MANIFEST_READ_FAILED';
  }
}
