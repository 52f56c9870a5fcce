/**
 * /etc/resolv.conf, as text (issue 5; pure). The patched file lists our server as the only
 * nameserver (musl asks every nameserver at once and takes the first answer, so any other would
 * race ours), keeps `search`, `domain` and `options` except `rotate`, and carries the original
 * byte for byte (base64, in comment lines every resolver skips) so that it can always be put
 * back, even by the next agent after a kill -9.
 */

export const MARKER = '# norouter:';
const BEGIN = '# norouter-original-begin';
const END = '# norouter-original-end';
/** musl skips resolv.conf lines longer than 255 bytes: keep every line well under it. */
const B64_LINE = 64;

/** The nameserver addresses of a resolv.conf, in order. */
export function nameserversOf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

export function isPatched(text: string): boolean {
  return text.startsWith(MARKER);
}

/** The original a patched file carries; undefined when the text is not ours or is damaged. */
export function originalOf(text: string): string | undefined {
  if (!isPatched(text)) return undefined;
  const lines = text.split('\n');
  const begin = lines.indexOf(BEGIN);
  const end = lines.indexOf(END);
  if (begin < 0 || end < begin) return undefined;
  const b64 = lines.slice(begin + 1, end).map((l) => l.replace(/^# ?/, '')).join('');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  return Buffer.from(b64, 'base64').toString('latin1');
}

/**
 * The patched file for `original`, with `server` as the only nameserver. `original` is kept as
 * latin1 text so any bytes (not only UTF-8) come back exactly.
 */
export function patchResolvConf(original: string, server: string, note: string): string {
  const kept: string[] = [];
  for (const raw of original.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^\s*(\S+)\s*(.*)$/.exec(line);
    if (!m || line.startsWith('#') || line.startsWith(';')) continue;
    const [, key = '', rest = ''] = m;
    if (key === 'search' || key === 'domain' || key === 'sortlist') kept.push(line);
    if (key === 'options') {
      const options = rest.split(/\s+/).filter((o) => o && o !== 'rotate');
      if (options.length) kept.push(`options ${options.join(' ')}`);
    }
  }
  const b64 = Buffer.from(original, 'latin1').toString('base64');
  const chunks: string[] = [];
  for (let i = 0; i < b64.length; i += B64_LINE) chunks.push(`# ${b64.slice(i, i + B64_LINE)}`);
  return [
    `${MARKER} ${note}`,
    '# norouter restores the original below when its agent exits (or at its next start).',
    `nameserver ${server}`,
    ...kept,
    BEGIN,
    ...chunks,
    END,
    '',
  ].join('\n');
}
