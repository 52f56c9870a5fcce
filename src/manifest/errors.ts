/**
 * Operational errors of reading a manifest (the file is missing, a directory, unreadable).
 * Unlike diagnostics these are not about the file's content, so they carry no position; the CLI
 * prints their message without a stack.
 */
import { OperationalError } from '../errors.js';
import { escapeControls } from '../terminal/safe-text.js';

export type ManifestReadErrorCode =
  | 'MANIFEST_NOT_FOUND' | 'MANIFEST_IS_DIRECTORY' | 'MANIFEST_ACCESS_DENIED' | 'MANIFEST_READ_FAILED' | 'MANIFEST_NOT_REGULAR' | 'MANIFEST_NOT_TEXT';

const REASONS: Record<ManifestReadErrorCode, string> = {
  MANIFEST_NOT_FOUND: 'no such file',
  MANIFEST_IS_DIRECTORY: 'it is a directory',
  MANIFEST_ACCESS_DENIED: 'permission denied',
  MANIFEST_READ_FAILED: 'read failed',
  MANIFEST_NOT_REGULAR: 'not a regular file',
  MANIFEST_NOT_TEXT: 'not a text file',
};

export class ManifestReadError extends OperationalError {

  constructor(
    readonly code: ManifestReadErrorCode,
    readonly path: string,
    options: { cause: unknown; detail?: string },
  ) {
    const detail = code === 'MANIFEST_READ_FAILED' && options.cause instanceof Error ? `: ${options.cause.message}` : '';
    // The path comes from the command line or a watched directory: escaped before a terminal sees it.
    super(`cannot read manifest ${escapeControls(JSON.stringify(path))}: ${options.detail ?? REASONS[code] + detail}`, { cause: options.cause });
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
