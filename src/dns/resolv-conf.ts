/**
 * /etc/resolv.conf, as text (pure). The patched file lists our server as the only
 * nameserver (musl asks every nameserver at once and takes the first answer, so any other would
 * race ours), keeps `search`, `domain` and `options` except `rotate`, and carries the original
 * byte for byte (base64, in comment lines every resolver skips) so that it can always be put
 * back, even by the next agent after a kill -9. It also names its owner (owner.ts): the file is
 * patched at most once, by one live agent, and the original it carries is never itself a patched
 * file (one written by an older version that patched a patch is unwrapped to the innermost).
 */
import { formatOwner, parseOwner, type Owner } from './owner.js';

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

const OWNER = '# norouter-owner: ';
/** Patches of patches (older versions nested them) deeper than this are damaged, not ours. */
const MAX_NESTING = 64;

export function isPatched(text: string): boolean {
  return text.startsWith(MARKER);
}

/** Who patched the file: its owner line, or for an older patch the VIP and pid of its note. */
export function ownerOf(text: string): Owner | undefined {
  if (!isPatched(text)) return undefined;
  const line = text.split('\n').find((l) => l.startsWith(OWNER));
  if (line) return parseOwner(line.slice(OWNER.length));
  const legacy = /^# norouter: patched for (\d+\.\d+\.\d+\.\d+) by the norouter agent \(pid (\d+)\)/.exec(text);
  if (!legacy) return undefined;
  return { vip: legacy[1] ?? '', pid: Number(legacy[2]), start: '', boot: '', pidns: '', netns: '', legacy: true };
}

/**
 * The original a patched file carries, unwrapped down to a file that is not a patch;
 * undefined when the text is not ours or is damaged.
 */
export function originalOf(text: string): string | undefined {
  let current = text;
  for (let depth = 0; depth < MAX_NESTING; depth++) {
    const inner = carriedOriginal(current);
    if (inner === undefined) return undefined;
    if (!isPatched(inner)) return inner;
    current = inner;
  }
  return undefined;
}

function carriedOriginal(text: string): string | undefined {
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
 * The patched file for `original` (which must not itself be patched), with the owner's VIP as
 * the only nameserver. `original` is kept as latin1 text so any bytes (not only UTF-8) come back
 * exactly.
 */
export function patchResolvConf(original: string, owner: Owner): string {
  if (isPatched(original)) throw new Error('Assertion failed: a patched resolv.conf is never patched again');
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
    `${MARKER} patched for ${owner.vip} by the norouter agent (pid ${owner.pid})`,
    `${OWNER}${formatOwner(owner)}`,
    '# norouter restores the original below when this agent exits (or another agent does, once this one is gone).',
    `nameserver ${owner.vip}`,
    ...kept,
    BEGIN,
    ...chunks,
    END,
    '',
  ].join('\n');
}
