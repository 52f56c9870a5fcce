/**
 * What the first word of a command line means, decided before clipanion is loaded (main.ts keeps
 * it off the hot path). `norouter FILE` runs a manifest, as the original NoRouter did, so a word
 * that is neither a command nor an existing file would otherwise reach `run` and be reported as a
 * missing manifest: a typo of a command (`valdiate`) must instead be a usage error that names the
 * command meant.
 */
import { editDistance } from '../validate/suggest.js';

/**
 * Every first word a registered command answers to (test/cli/command-words.test.ts checks this
 * list against the commands registered in main.ts). `manager`, `m` and `show-ex` are the
 * original NoRouter's words.
 */
export const COMMAND_WORDS = [
  'run', 'manager', 'm', 'plan', 'validate', 'show-example', 'show-ex', 'show-installer', 'demo', 'status', 'top', 'help', 'internal',
] as const;

/** Words offered as "did you mean": the commands a user types (not `internal`, not one-letter `m`). */
const SUGGESTED = COMMAND_WORDS.filter((w) => w !== 'internal' && w !== 'm');

export type FirstWord =
  /** Hand this argv to clipanion. */
  | { kind: 'argv'; argv: string[] }
  /** Not a command and not a file: a usage error. */
  | { kind: 'unknown'; word: string; suggestion?: string };

/**
 * `isFile` says whether a path exists (injected: the tests call this without a file system).
 * A word that looks like a path (a slash, or a manifest's extension) goes to `run` even when it
 * does not exist, whose "cannot read manifest" says more than "unknown command" would.
 */
export function routeFirstWord(argv: readonly string[], isFile: (path: string) => boolean): FirstWord {
  const [first, ...rest] = argv;
  // A bare `norouter` prints the help and exits 0, as kubectl and docker do: nothing was asked
  // that could be done wrong. (`norouter ""`, an empty variable in a script, is a usage error.)
  if (first === undefined) return { kind: 'argv', argv: ['--help'] };
  if (first === 'help') {
    const [topic] = rest;
    if (topic === undefined || topic === 'help') return { kind: 'argv', argv: ['--help'] };
    if ((COMMAND_WORDS as readonly string[]).includes(topic)) return { kind: 'argv', argv: [...rest, '--help'] };
    return unknown(topic ?? '');
  }
  if (first.startsWith('-') || (COMMAND_WORDS as readonly string[]).includes(first)) return { kind: 'argv', argv: [...argv] };
  if (first !== '' && (isFile(first) || looksLikePath(first))) return { kind: 'argv', argv: [...argv] };
  return unknown(first);
}

function unknown(word: string): FirstWord {
  const suggestion = suggestCommand(word);
  return suggestion === undefined ? { kind: 'unknown', word } : { kind: 'unknown', word, suggestion };
}

function looksLikePath(word: string): boolean {
  return word.includes('/') || /\.(ya?ml|json)$/i.test(word);
}

/** The closest command word, within a third of the word's length (at least one edit). */
export function suggestCommand(word: string): string | undefined {
  return closest(word.toLowerCase(), SUGGESTED);
}

/** The closest of `known` to `word` when within max(1, ⌊length/3⌋) edits. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
