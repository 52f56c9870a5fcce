/**
 * "did you mean" for a misspelt option (`run --wach`). clipanion reports an unknown option as
 * `Unsupported option name ("--wach").` followed by the usage lines of the commands it tried;
 * the options those lines name are the ones the user could have meant.
 */
import { closest } from './command-words.js';

const UNSUPPORTED = /Unsupported option name \("(--[^"]+)"\)\./;

/** clipanion's error text with the suggestion added to its first line, or the text as it was. */
export function suggestOption(errorText: string): string {
  const match = UNSUPPORTED.exec(errorText);
  const unknown = match?.[1];
  if (match === null || unknown === undefined) return errorText;
  const known = new Set(['--help', '--version']);
  for (const [, names] of errorText.matchAll(/[[<](-[\w-]+(?:,-[\w-]+)*)/g)) {
    for (const name of names?.split(',') ?? []) if (name.startsWith('--')) known.add(name);
  }
  const suggestion = closest(unknown.split('=')[0] ?? unknown, [...known]);
  if (suggestion === undefined) return errorText;
  return errorText.replace(match[0], `${match[0].slice(0, -1)}; did you mean "${suggestion}"?`);
}

/**
 * clipanion lists the usage of every command it tried, once per path and alias (`run` and the
 * default command are one command): each usage line once is enough.
 */
export function dropRepeatedUsage(errorText: string): string {
  const seen = new Set<string>();
  return errorText.split('\n').filter((line) => {
    if (!line.startsWith('$ ')) return true;
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  }).join('\n');
}
