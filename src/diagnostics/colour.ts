/**
 * ANSI colours for diagnostics on a terminal. The formatter never decides by itself (it is pure
 * and its default is plain text); the command that prints passes `colour: wantsColour(stderr)`.
 */

export type Style = 'bold' | 'red' | 'yellow' | 'blue';

const SGR: Record<Style, string> = { bold: '1', red: '1;31', yellow: '1;33', blue: '1;34' };

export function paint(on: boolean, style: Style, text: string): string {
  return on ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text;
}

/**
 * Colour when the stream is a terminal and NO_COLOR (https://no-color.org) is unset or empty.
 */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const noColour = env['NO_COLOR'];
  return stream.isTTY === true && (noColour === undefined || noColour === '');
}
