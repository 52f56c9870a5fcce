/**
 * `norouter plan`'s text: per host, `# NAME (VIP)` and its command line, quoted to paste into a
 * shell.
 *
 * The output is quadratic: every host's line lists every other host's ports, so 1,000
 * hosts publishing one port each print ~1M `--other VIP:PORT/tcp` words, ~30 MB. Each of those
 * words is quoted once, into one string of every `--other` pair in first-seen order, and a host's
 * line takes slices of it: the per-host cost is a few slices, not a thousand quoted words.
 */
import { MIN_NODE_TEXT } from '../bootstrap/constants.js';
import { quoteShellCommand, quoteShellWord } from '../shell/shell-words.js';
import { escapeControls } from '../terminal/safe-text.js';
import { formatOther } from './agent-args.js';
import { describeDiscover } from './discover-args.js';
import { describeDns } from './dns-args.js';
import { describeProxy } from './proxy-args.js';
import type { Other, Plan, PlanHost } from './types.js';

export function formatPlanText(plan: Plan): string {
  const others = new OthersText(plan.hosts);
  const lines: string[] = [];
  const names = new Map(plan.hosts.map((h) => [h.vip, h.name]));
  const nameOf = (vip: string): string => names.get(vip) ?? vip;
  for (const host of plan.hosts) lines.push(heading(host, nameOf), commandLine(host, others));
  lines.push('');
  return lines.join('\n');
}

/** `# NAME (VIP)`, with the host's DNS settings, proxies, routes and port discovery when it has any. */
function heading(host: PlanHost, nameOf: (vip: string) => string): string {
  const dns = [describeDns(host.vip, host.agent.dns), describeProxy(host.agent, nameOf), describeDiscover(host.agent.discover)].filter(Boolean).join('; ');
  // The long `--import=data:…` word on the line below is the bootstrap loader (docs/protocol.md §12).
  const bootstrap = host.bootstrap === 'node' ? '; bootstrap: node runs norouter sent over stdin'
    : host.bootstrap === 'shell' ? `; bootstrap: sh script: the host's node if >= ${MIN_NODE_TEXT}, else norouter's Node runtime, cached on the host${host.bootstrapCache !== undefined ? ` in ${host.bootstrapCache}` : ''}` : '';
  // Validated names and addresses, but the heading is for a terminal: escaped all the same.
  return escapeControls(`# ${host.name} (${host.vip}${dns ? `; ${dns}` : ''}${bootstrap})`);
}

/** Words after the host's cmd that are not `--other` pairs: `internal agent --me VIP`, forwards. */
function headLength(host: PlanHost): number {
  return 4 + 2 * host.agent.forwards.length;
}

/**
 * Quotes `host.argv`. PlanHost.argv is the host's cmd followed by formatAgentArgs(agent) (which
 * src/plan/diff-plan.ts relies on too), so the `--other` words at its end come from OthersText;
 * an argv of any other length is quoted word by word.
 */
function commandLine(host: PlanHost, others: OthersText): string {
  const { argv } = host;
  const otherWords = 2 * host.agent.others.length;
  const head = argv.length - otherWords;
  if (head < headLength(host)) return quoteShellCommand(argv);
  return quoteShellCommand(head === argv.length ? argv : argv.slice(0, head)) + others.of(host.agent.others);
}

/**
 * Every distinct `Other` of the plan (by identity: compile shares one object per published port),
 * as ` --other WORD` in first-seen order, concatenated into one string; a host's list is then a
 * few runs of consecutive entries, each one slice.
 */
class OthersText {
  private readonly index = new Map<Other, number>();
  /** The distinct Others in first-seen order: entry i of `text`. */
  private readonly list: Other[] = [];
  /** offsets[i] is where entry i starts in `text`; one more at the end. */
  private readonly offsets: number[] = [0];
  private readonly text: string;

  constructor(hosts: readonly PlanHost[]) {
    const parts: string[] = [];
    let length = 0;
    for (const host of hosts) {
      let next = 0;
      for (const other of host.agent.others) {
        // Mostly the entry after the previous one: a pointer comparison, not a map lookup.
        if (other === this.list[next]) {
          next++;
          continue;
        }
        let i = this.index.get(other);
        if (i === undefined) {
          i = this.list.length;
          this.index.set(other, i);
          this.list.push(other);
          const part = ` --other ${quoteShellWord(formatOther(other))}`;
          parts.push(part);
          length += part.length;
          this.offsets.push(length);
        }
        next = i + 1;
      }
    }
    this.text = parts.join('');
  }

  of(list: readonly Other[]): string {
    let out = '';
    let k = 0;
    while (k < list.length) {
      const first = this.at(list[k]);
      let last = first;
      k++;
      // A pointer comparison per word; the map is consulted only where a run breaks.
      while (k < list.length && list[k] === this.list[last + 1]) {
        last++;
        k++;
      }
      out += this.text.slice(this.offsetOf(first), this.offsetOf(last + 1));
    }
    return out;
  }

  private at(other: Other | undefined): number {
    const i = other === undefined ? undefined : this.index.get(other);
    if (i === undefined) throw new Error('Assertion failed: formatPlanText met an Other it has not indexed');
    return i;
  }

  private offsetOf(i: number): number {
    const offset = this.offsets[i];
    if (offset === undefined) throw new Error('Assertion failed: formatPlanText offset out of range');
    return offset;
  }
}
