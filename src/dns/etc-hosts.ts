/**
 * /etc/hosts, as text (`writeEtcHosts`; pure): a block of every name with its VIP
 * between marker lines, appended; removing the block gives back the original byte for byte.
 * Each block is named by its owner, a one-line token (owner.ts: `vip=… pid=… start=…`; older
 * versions wrote the bare VIP), so agents sharing the file each add and remove only their own.
 */
import type { DnsName } from '../plan/types.js';

const BEGIN = '# BEGIN norouter';
const END = '# END norouter';
/** On the BEGIN line when we added a newline the original lacked at its end. */
const ADDED_NEWLINE = '(newline added)';

/** One line per VIP: `VIP name name.domain alias alias.domain…`. */
export function hostsBlock(names: readonly DnsName[], domain: string | undefined, owner: string, original: string): string {
  const byVip = new Map<string, string[]>();
  for (const { name, vip } of names) {
    const list = byVip.get(vip) ?? [];
    list.push(name, ...(domain ? [`${name}.${domain}`] : []));
    byVip.set(vip, list);
  }
  const needsNewline = original.length > 0 && !original.endsWith('\n');
  const lines = [`${needsNewline ? '\n' : ''}${BEGIN} ${owner}${needsNewline ? ` ${ADDED_NEWLINE}` : ''}`];
  for (const [vip, list] of byVip) lines.push(`${vip} ${list.join(' ')}`);
  lines.push(`${END} ${owner}`, '');
  return lines.join('\n');
}

export function addHostsBlock(original: string, names: readonly DnsName[], domain: string | undefined, owner: string): string {
  return original + hostsBlock(names, domain, owner, original);
}

/** The text without `owner`'s block (unchanged when it has none, or only half of one). */
export function removeHostsBlock(text: string, owner: string): string {
  for (const [line, addedNewline] of [[`${BEGIN} ${owner}\n`, false], [`${BEGIN} ${owner} ${ADDED_NEWLINE}\n`, true]] as const) {
    const begin = text.startsWith(line) ? 0 : text.indexOf(`\n${line}`) + 1;
    if (begin === 0 && !text.startsWith(line)) continue;
    const endMarker = `${END} ${owner}\n`;
    const end = text.startsWith(endMarker, begin) ? begin : text.indexOf(`\n${endMarker}`, begin) + 1;
    if (end === 0) continue;
    const rest = text.slice(end + endMarker.length);
    if (!addedNewline || begin === 0) return text.slice(0, begin) + rest;
    // Another agent's block follows ours: the newline we added is now its to remove.
    const next = /^# BEGIN norouter ([^\n]+)\n/.exec(rest);
    if (next) return `${text.slice(0, begin)}${BEGIN} ${next[1]} ${ADDED_NEWLINE}\n${rest.slice(next[0].length)}`;
    return text.slice(0, begin - 1) + rest;
  }
  return text;
}

export function hasHostsBlock(text: string, owner: string): boolean {
  return removeHostsBlock(text, owner) !== text;
}

/** The owner token of every whole block (a BEGIN line with its END after it), in order. */
export function hostsBlockOwners(text: string): string[] {
  const lines = text.split('\n');
  const owners: string[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith(`${BEGIN} `)) return;
    const raw = line.slice(BEGIN.length + 1);
    const owner = raw.endsWith(` ${ADDED_NEWLINE}`) ? raw.slice(0, -ADDED_NEWLINE.length - 1) : raw;
    if (owner && lines.indexOf(`${END} ${owner}`, i + 1) > i && !owners.includes(owner)) owners.push(owner);
  });
  return owners;
}
