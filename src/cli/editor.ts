/**
 * Which editor `--open-editor` runs: $VISUAL, then $EDITOR (each may carry arguments, such as
 * `code --wait`, and is run by sh as git runs it), then the first of the original NoRouter's
 * fallbacks found on PATH: editor (Debian's choice of the system's editor), vim, vi, emacs.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { OperationalError } from '../errors.js';

export type EditorErrorCode = 'EDITOR_NOT_FOUND' | 'EDITOR_FAILED' | 'EDITOR_NEEDS_TERMINAL';

export class EditorError extends OperationalError {
  constructor(readonly code: EditorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface Editor {
  /** For messages: `$EDITOR ("vi -u NONE")` or the path found. */
  name: string;
  argv(file: string): string[];
}

const FALLBACKS = ['editor', 'vim', 'vi', 'emacs'] as const;

export function findEditor(env: NodeJS.ProcessEnv): Editor {
  for (const variable of ['VISUAL', 'EDITOR'] as const) {
    const value = env[variable]?.trim();
    if (value) return { name: `$${variable} (${JSON.stringify(value)})`, argv: (file) => ['/bin/sh', '-c', `${value} "$@"`, value, file] };
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of FALLBACKS) {
    const path = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
    if (path) return { name: path, argv: (file) => [path, file] };
  }
  throw new EditorError('EDITOR_NOT_FOUND', `no editor found: set $EDITOR (looked for $VISUAL, $EDITOR, ${FALLBACKS.join(', ')} on PATH)`);
}
