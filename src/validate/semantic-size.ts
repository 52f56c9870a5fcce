/**
 * The size of every agent's command line (E318), computed without building the
 * plan. Each agent's line carries one `--other VIP:PORT/tcp` pair per port every other host
 * publishes (and one `--dns-name NAME=VIP` pair per name of the mesh when it runs DNS or a
 * proxy), so the plan grows as hosts × ports: 5,000 hosts publishing one port each took 0.7 GB to
 * compile, 32,000 ran out of memory. Here each shared list's formatted length is summed once and a
 * host's line is its own words plus those sums, minus its own ports: O(hosts + ports + names +
 * routes), before compile runs.
 *
 * The line is measured as compile builds it (src/compile/compile.ts): the host's cmd words, the
 * bootstrap loader's (src/bootstrap/loader.ts) when it bootstraps, then the agent's words, in bytes,
 * joined by single spaces, which is how `ssh HOST CMD…` sends it. The local host's cmd (this
 * program's own path) is not known until it runs and counts as nothing.
 */
import type { Host, Manifest } from '../../generated/manifest.js';
import { bootstrapArgs, bootstrapRoute } from '../bootstrap/route.js';
import { agentDnsOf, dnsNamesOf } from '../plan/agent-dns.js';
import { agentProxyOf, routesOf } from '../plan/agent-proxy.js';
import { discoverOf } from '../plan/agent-discover.js';
import { formatDiscoverArgs } from '../plan/discover-args.js';
import { splitShellWords } from '../shell/shell-words.js';
import { formatAgentArgs, formatForward, formatOther, parseForward } from '../plan/agent-args.js';
import { formatDnsName } from '../plan/dns-args.js';
import { keepaliveFromSeconds } from '../plan/keepalive-args.js';
import { formatRoute } from '../plan/proxy-args.js';
import { locateTopKeyInText } from './locate.js';
import type { SemanticContext } from './semantic-context.js';

/** The limit lives with the plan: port discovery (src/plan/with-discovered.ts) keeps every line under it too. */
export { MAX_AGENT_COMMAND_BYTES } from '../plan/limits.js';
import { MAX_AGENT_COMMAND_BYTES } from '../plan/limits.js';

/** One host's agent command line: its length, and how much of it the shared lists make up. */
export interface AgentCommandSize {
  name: string;
  /** Bytes of the whole line, words joined by single spaces. */
  bytes: number;
  /** `--other` pairs: ports published by the other hosts. */
  others: number;
  otherBytes: number;
  /** `--dns-name` pairs: every name of the mesh, when the host runs DNS or a proxy. */
  names: number;
}

/** Bytes of `words` each followed by one separator (the caller drops the last one). */
function wordsBytes(words: readonly string[]): number {
  let n = 0;
  for (const w of words) n += Buffer.byteLength(w, 'utf8') + 1;
  return n;
}

/**
 * A valid `ports` entry (invalid ones are E304's business): its `--forward` words' bytes, and
 * those of `--other VIP:PORT/tcp` but for the VIP, which is the publishing host's.
 */
interface Published {
  forwardBytes: number;
  otherBytesButVip: number;
}

/** Bytes of a host's cmd words, each with a separator after it, as compile splits them. */
function cmdWords(cmd: Host['cmd']): readonly string[] {
  if (cmd === undefined) return [];
  const split = typeof cmd === 'string' ? splitShellWords(cmd) : { ok: true as const, words: cmd };
  return split.ok ? split.words : [cmd as string];
}

function cmdBytes(cmd: Host['cmd']): number {
  const words = cmdWords(cmd);
  return words.length ? Buffer.byteLength(words.join(' '), 'utf8') + 1 : 0;
}

/**
 * Every host's agent command line size, in manifest order, for a manifest the schema accepts.
 * Mirrors compile; test/validate/semantic-size.test.ts checks it against compile's argv. It runs
 * on every manifest before compile, so it is kept cheap: each distinct `ports` text is parsed
 * once, and the DNS names are formatted only when some host carries them.
 */
export function agentCommandSizes(manifest: Manifest): AgentCommandSize[] {
  const template = manifest.hostTemplate;
  const parsed = new Map<string, Published | undefined>();
  const publish = (text: string): Published | undefined => {
    if (parsed.has(text)) return parsed.get(text);
    const r = parseForward(text);
    const f = r.ok ? r.value : undefined;
    const p = f && { forwardBytes: wordsBytes(['--forward', formatForward(f)]), otherBytesButVip: wordsBytes(['--other', formatOther({ vip: '', port: f.listenPort, proto: f.proto })]) };
    parsed.set(text, p);
    return p;
  };
  const entries = Object.entries(manifest.hosts).flatMap(([name, host]) => {
    if (!host) return [];
    const published: Published[] = [];
    for (const list of [template?.ports ?? [], host.ports ?? []]) {
      for (const text of list) {
        const p = publish(text);
        if (p) published.push(p);
      }
    }
    // `--other VIP:PORT/tcp` for each, as every other host's agent gets it.
    let otherBytes = 0;
    for (const p of published) otherBytes += p.otherBytesButVip + host.vip.length;
    return [{ name, host, published, otherBytes }];
  });

  // The shared lists, each summed once.
  let allOtherBytes = 0;
  let allOthers = 0;
  for (const e of entries) {
    allOtherBytes += e.otherBytes;
    allOthers += e.published.length;
  }
  let names: { count: number; bytes: number } | undefined;
  const namesOnce = (): { count: number; bytes: number } => {
    if (names) return names;
    const list = dnsNamesOf(manifest);
    let bytes = 0;
    for (const n of list) bytes += wordsBytes(['--dns-name', formatDnsName(n)]);
    return (names = { count: list.length, bytes });
  };
  const routes = routesOf(manifest);
  let allRouteBytes = 0;
  const routeBytesVia = new Map<string, number>();
  for (const r of routes) {
    const bytes = wordsBytes(['--route', formatRoute(r)]);
    allRouteBytes += bytes;
    routeBytesVia.set(r.via, (routeBytesVia.get(r.via) ?? 0) + bytes);
  }
  // A cmd ending in a shell gets `-s`, one ending in node the loader (src/bootstrap/route.ts).
  const bootstrapBytes = (cmd: Host['cmd']) => wordsBytes(bootstrapArgs(bootstrapRoute(cmdWords(cmd))));
  // The agent's own flags of a host with no DNS, proxy or route, but for its VIP: most hosts.
  const keepalive = manifest.keepalive && keepaliveFromSeconds(manifest.keepalive.interval, manifest.keepalive.timeout);
  const common = { forwards: [], others: [], ...(keepalive ? { keepalive } : {}) };
  const plainFlagBytes = wordsBytes(formatAgentArgs({ me: '', ...common }));

  return entries.map(({ name, host, published, otherBytes: own }) => {
    const local = host.cmd === undefined;
    const bootstrap = !local && (host.bootstrap ?? template?.bootstrap ?? false);
    // As compile, with every shared list left out (names, routes, others): those are added as sums.
    const dns = agentDnsOf(host, template, local, []);
    const extra = agentProxyOf(host, template, dns, [], []);
    const plain = dns === undefined && Object.keys(extra).length === 0;
    const flagBytes = plain ? plainFlagBytes + host.vip.length : wordsBytes(formatAgentArgs({ me: host.vip, ...common, ...(dns ? { dns } : {}), ...extra }));
    const carried = dns !== undefined || extra.proxy !== undefined ? namesOnce() : { count: 0, bytes: 0 };
    const routeBytes = extra.proxy ? allRouteBytes : (routeBytesVia.get(host.vip) ?? 0);
    let forwardBytes = 0;
    for (const p of published) forwardBytes += p.forwardBytes;
    const otherBytes = allOtherBytes - own;
    const discover = discoverOf(host, template);
    const discoverBytes = discover ? wordsBytes(formatDiscoverArgs(discover)) : 0;
    const words = cmdBytes(host.cmd) + (bootstrap ? bootstrapBytes(host.cmd) : 0) + flagBytes + forwardBytes + routeBytes + carried.bytes + discoverBytes;
    // Each word was counted with one separator after it; the line has one fewer.
    return { name, bytes: words + otherBytes - 1, others: allOthers - published.length, otherBytes, names: carried.count };
  });
}

/**
 * E318, once for the whole mesh, at `hosts`: the line grows with every other host's ports, so
 * the fix is rarely in the host whose line is the longest. Checked only on a manifest the schema
 * accepts (this mirrors compile, which needs one).
 */
export function checkPlanSize(ctx: SemanticContext, manifest: unknown): void {
  if (!ctx.usable([])) return;
  const sizes = agentCommandSizes(manifest as Manifest);
  let worst: AgentCommandSize | undefined;
  let over = 0;
  for (const s of sizes) {
    if (s.bytes <= MAX_AGENT_COMMAND_BYTES) continue;
    over++;
    if (!worst || s.bytes > worst.bytes) worst = s;
  }
  if (!worst) return;
  const more = over > 1 ? ` (and ${over - 1} more of the ${sizes.length} hosts)` : '';
  const names = worst.names ? ` and ${worst.names} DNS names (--dns-name NAME=VIP)` : '';
  const message = `the agent command line of host "${worst.name}"${more} would be ${kib(worst.bytes)} KiB, over the limit of ${kib(MAX_AGENT_COMMAND_BYTES)} KiB:`
    + ` it lists ${worst.others} ports published by the other hosts (--other VIP:PORT/tcp, ${kib(worst.otherBytes)} KiB)${names};`
    + ' ssh and sh -c pass the whole command as one argument, which Linux limits to 128 KiB (MAX_ARG_STRLEN), so the agent could not start;'
    + ' publish fewer ports (every agent listens on every port of every other host), or split the hosts into smaller meshes';
  // Placed from the text when it can be: a manifest this large is one whose yaml document is
  // hundreds of MB (src/manifest/load.ts's fast path has no document).
  const at = locateTopKeyInText(ctx.src.text, 'hosts');
  if (at) ctx.reportAt('E318', message, ['hosts'], at);
  else ctx.report('E318', message, ['hosts'], 'key');
}

/** KiB to one decimal, rounded up: a line just over the limit must not read as equal to it. */
function kib(bytes: number): string {
  return (Math.ceil((bytes / 1024) * 10) / 10).toString();
}
