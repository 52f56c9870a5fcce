/**
 * `norouter internal agent`: one host's end of the network (docs/protocol.md). Sends HELLO,
 * listens on the other hosts' VIP:ports and on its own VIP for its forwards, carries each local
 * connection over the link, dials its own forwards for the peers' OPENs, and exits when its
 * input closes so that no agent outlives its router (§9).
 */
import { escapeControls } from '../terminal/safe-text.js';
import type { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';
import type { AgentConfig, Forward } from '../plan/types.js';
import {
  COUNTERS_INTERVAL_MS, FEATURES, FEATURE_COUNTERS, FEATURE_DISCOVER, FEATURE_DISCOVER_UDP, FEATURE_ROUTE, FEATURE_STATUS, FEATURE_UDP, KEEPALIVE_INTERVAL_MS, PROTO_UDP, KEEPALIVE_TIMEOUT_MS, formatConfigProblems, ipFromString,
  makeHello, ProtocolError, type AgentCounters,
} from '../protocol/index.js';
import { VERSION } from '../meta/version.js';
import { Bridge } from '../net/bridge.js';
import { resetSocket } from '../net/reset-socket.js';
import { PeerViolations } from './peer-violations.js';
import { LinkSession, describeInputEnd, type LinkEnd, type RoleMessage } from '../link/index.js';
import { Listeners, type ListenTarget } from '../net/listeners.js';
import { UdpAgent } from '../net/udp-agent.js';
import type { DnsAddon, DnsAddonOptions } from '../dns/dns-addon.js';
import { Directory } from '../proxy/destination.js';
import { resolveRoute } from '../proxy/route-resolve.js';
import type { ProxyHost } from '../proxy/proxy-host.js';
import type { Proxies } from '../proxy/proxies.js';
import { AgentDiscovery } from './discovery.js';

export interface AgentIO {
  input: Readable;
  /**
   * When the input is read by other means than its 'data' events (src/link/slab-input.ts):
   * called once with where its bytes go.
   */
  bindInput?: (receive: (chunk: Buffer) => void) => void;
  output: Writable;
  /** One line of diagnostics (stderr). Never stdout: stdout is the link. */
  log: (line: string) => void;
}

export interface AgentOptions {
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  /** Per-connection receive window; the protocol default unless tuning. */
  initialWindow?: number;
  /** Called once every initial listener is listening or has failed (tests wait on it). */
  onListening?: (addresses: string[]) => void;
  /** Aborted on SIGTERM, SIGINT…: the agent shuts down as when its input closes. */
  stop?: AbortSignal;
  /** Where the DNS add-on's files and fallback ports are; the system's unless testing. */
  dns?: DnsAddonOptions;
}

/** Flush at once past this many queued bytes instead of waiting for the end of the turn. */
const FLUSH_THRESHOLD = 256 * 1024;
/**
 * The link counts as full (local sockets pause) past this many bytes waiting in stdout: a few
 * frames, not stdout's 16 KiB. Bounded by the windows anyway (docs/protocol.md §6).
 */
const LINK_BLOCK_AT = 1024 * 1024;

export const EXIT_OK = 0;
export const EXIT_LINK_ERROR = 1;

export function runAgent(config: AgentConfig, io: AgentIO, options: AgentOptions = {}): Promise<number> {
  return new Promise<number>((resolve) => {
    const me = ipFromString(config.me);
    if (me === undefined) {
      io.log(`--me ${config.me} is not an IPv4 address`);
      resolve(EXIT_LINK_ERROR);
      return;
    }
    let current = config;
    let forwards = forwardMap(config);
    let done = false;

    const session: LinkSession = new LinkSession(io.input, io.output, {
      hello: makeHello('agent', config.me, VERSION, FEATURES),
      // Many socket reads of one turn leave as one write; a large batch leaves at once.
      schedule: { kind: 'immediate', thresholdBytes: FLUSH_THRESHOLD },
      // The process exits once its stdin is no longer read (§9).
      inputOnClose: 'pause',
      blockAtBytes: LINK_BLOCK_AT,
      intervalMs: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
      timeoutMs: options.keepaliveTimeoutMs ?? KEEPALIVE_TIMEOUT_MS,
      refTimer: true,
    }, {
      checkPeer: (peer) => peer.vip === config.me
        ? undefined
        : protocolError('bad-control', `the router expects VIP ${peer.vip} on this link but this agent was started with --me ${config.me}`),
      noHello: () => protocolError('no-hello', 'the first frame from the router was not HELLO (is the other end a norouter router of the same version?)'),
      onUp: () => {
        startDns();
        sendStatus();
        discovery.configure(current, routerDiscovers(), routerDiscoversUdp());
      },
      onFrame: (f) => {
        if (f.proto === PROTO_UDP) {
          udp.receive(f);
          return undefined;
        }
        const fault = bridge.receive(f);
        // §8.1: a violation in a TCP frame is the peer agent's, not the link's: the mux aborted
        // that connection; everything else here is link-fatal.
        if (fault?.kind === 'peer-violation') violations.report(fault);
        else if (fault) return new ProtocolError(fault.code, fault.message);
        return undefined;
      },
      onControl: (msg) => onControl(msg),
      onGoodbye: (reason, message) => io.log(`router says goodbye: ${escapeControls(`${reason}${message ? `: ${message}` : ''}`)}`),
      onDrain: () => bridge.drained(),
      onDown: (end) => onDown(end),
    });
    const link = session.stream;
    io.bindInput?.(link.receive);
    const bridge = new Bridge({
      localIP: me,
      ...(options.initialWindow ? { initialWindow: options.initialWindow } : {}),
      send: (h, p) => link.send(h, p),
      forwardFor: (port) => forwards.get(port),
      // §13.1: a routed OPEN is dialled only where this host's own routes allow it.
      resolveRoute: (target) => resolveRoute(directory().routes, me, target),
      log: io.log,
    });
    // Where proxy requests go (docs/protocol.md §13), rebuilt only when CONFIG replaces the configuration.
    let dirFor: AgentConfig | undefined;
    let dir: Directory | undefined;
    function directory(): Directory {
      if (dirFor !== current || !dir) {
        dir = new Directory(current);
        dirFor = current;
      }
      return dir;
    }
    const proxyHost: ProxyHost = {
      bridge,
      decide: (host, port) => directory().decide(host, port),
      open: (end, to) => {
        if (done) return { ok: false, code: 'shutting-down', why: 'the agent is shutting down' };
        if (to.kind === 'route' && !session.peer?.features.includes(FEATURE_ROUTE)) return { ok: false, code: 'router-too-old', why: 'the router is too old for routes: run the same norouter version everywhere' };
        return bridge.open(end, to);
      },
      log: io.log,
    };
    let proxies: Promise<Proxies> | undefined;
    let proxiesReady: Proxies | undefined;
    function applyProxies(next: AgentConfig): Promise<void> {
      if (!next.proxy && !proxies) return Promise.resolve();
      // Loaded only by agents that run a proxy: node:http is not free to load.
      proxies ??= import('../proxy/proxies.js').then(({ Proxies }) => (proxiesReady = new Proxies(proxyHost)));
      return proxies.then((p) => (done ? undefined : p.apply(next.proxy)));
    }
    const listeners = new Listeners((socket, target) => onLocalConnection(socket, target), io.log, () => sendStatus());
    // docs/protocol.md §14: datagrams go out only once the router announced `udp`.
    const udp = new UdpAgent({
      me, link, log: io.log, onChange: () => sendStatus(),
      enabled: () => session.peer?.features.includes(FEATURE_UDP),
      // A discovered server on 0.0.0.0:PORT/udp holds this host's VIP:PORT already (src/agent/discovery.ts).
      ownTargets: (t) => discovery.ownUdpTargets(t, current.me),
    });

    // §4.6: the router hears which listeners failed once the first ones were tried, then on
    // every change (a CONFIG's, a retry's), for its readiness summary and reload lines.
    let listenersTried = false;
    let lastStatus: string | undefined;
    function sendStatus(): void {
      if (done || !listenersTried || !session.peer?.features.includes(FEATURE_STATUS)) return;
      const failed = [...listeners.failures, ...udp.failures];
      const text = JSON.stringify(failed);
      if (text === lastStatus) return;
      lastStatus = text;
      link.sendControl({ type: 'status', failed });
    }

    function onLocalConnection(socket: Socket, target: ListenTarget): void {
      if (done) {
        resetSocket(socket);
        return;
      }
      bridge.accepted(socket, ipFromString(target.ip) ?? 0, target.port);
    }

    const violations = new PeerViolations(io.log);
    // Port discovery (src/agent/discovery.ts): started at the router's HELLO, reconfigured by CONFIG.
    const discovery = new AgentDiscovery({
      send: (ports, udpPorts) => link.sendControl(udpPorts ? { type: 'discovered', ports, udp: udpPorts } : { type: 'discovered', ports }),
      log: io.log,
      relisten: () => void Promise.all([listeners.apply(targets()), udp.apply(current)]).then(() => {
        sendStatus();
        discovery.ownListenersChanged();
      }),
    });
    const targets = () => discovery.ownTargets(listenTargets(current), current.me);
    const routerDiscovers = () => session.peer?.features.includes(FEATURE_DISCOVER) === true;
    const routerDiscoversUdp = () => session.peer?.features.includes(FEATURE_DISCOVER_UDP) === true;

    function onControl(msg: RoleMessage): ProtocolError | undefined {
      switch (msg.type) {
        case 'peer-down':
          bridge.peerDown(msg.vip);
          udp.peerDown(msg.vip);
          return undefined;
        case 'config-refused':
          // §4.3: a CONFIG the command line would refuse changes nothing; the agent says why and keeps serving.
          io.log(`configuration refused, keeping the current one: ${escapeControls(formatConfigProblems(msg.problems))}`);
          return undefined;
        case 'config':
          if (msg.config.me !== current.me) return protocolError('bad-control', `CONFIG for ${msg.config.me} sent to the agent of ${current.me}`);
          current = msg.config;
          forwards = forwardMap(current);
          io.log(`configuration reloaded: ${current.forwards.length} forwards, ${current.others.length} others`);
          void Promise.all([listeners.apply(targets()), udp.apply(current)]).then(() => {
            sendStatus();
            discovery.ownListenersChanged();
          });
          void applyProxies(current);
          applyDns(current);
          discovery.configure(current, routerDiscovers(), routerDiscoversUdp());
          return undefined;
        case 'status':
        case 'counters':
        case 'discovered':
          return protocolError('bad-control', `the router sent ${msg.type.toUpperCase()}, which only agents send`);
      }
    }

    /** The link ended on its own (the router's input closed, a protocol error, the keepalive): the agent exits. */
    function onDown(end: LinkEnd): void {
      switch (end.kind) {
        case 'input-closed': return finish(EXIT_OK, `link closed (${describeInputEnd(end.input)}): shutting down`);
        case 'protocol-error': return finish(EXIT_LINK_ERROR, `protocol error on the link (${end.error.code}): ${end.error.message}`);
        case 'silent': return finish(EXIT_LINK_ERROR, `nothing received from the router for ${end.ms} ms (limit ${end.limitMs} ms): the link is dead, shutting down`);
        default: return finish(EXIT_LINK_ERROR, `link ended: ${end.kind}`);
      }
    }

    // §4.8: what only this agent counts (its DNS server, its dropped datagrams and live flows),
    // to a router that asked, when it changed: an agent with nothing to count sends nothing.
    let lastCounters = JSON.stringify(agentCounters(undefined, udp));
    const counters = setInterval(() => {
      if (done || !session.peer?.features.includes(FEATURE_COUNTERS)) return;
      const c = agentCounters(dnsAddon, udp);
      const text = JSON.stringify(c);
      if (text !== lastCounters) link.sendControl({ type: 'counters', counters: c });
      lastCounters = text;
    }, COUNTERS_INTERVAL_MS);
    counters.unref();

    // The DNS add-on, loaded only by agents that use it. Every start also recovers the
    // files an earlier agent for this VIP left changed when it was killed.
    let dns: Promise<DnsAddon> | undefined;
    let dnsAddon: DnsAddon | undefined;
    function applyDns(next: AgentConfig): void {
      if (!next.dns && !dns) return;
      // The router's HELLO says which /etc/resolv.conf is its own (docs/protocol.md §4.1).
      const machine = session.peer?.machine;
      dns ??= import('../dns/dns-addon.js').then(({ DnsAddon }) => (dnsAddon = new DnsAddon(config.me, io.log, { ...options.dns, ...(machine ? { routerMachine: machine } : {}) })));
      void dns.then((addon) => (done ? undefined : addon.apply(next.dns)));
    }

    /** Once the router said HELLO: the DNS add-on, or else the recovery of files a killed agent left changed. */
    function startDns(): void {
      if (current.dns) applyDns(current);
      else void import('../dns/host-files.js').then(({ recoverStale, SYSTEM_PATHS }) => {
        for (const line of recoverStale(config.me, options.dns?.paths ?? SYSTEM_PATHS)) io.log(`dns: ${line}`);
      });
    }

    function finish(code: number, why: string): void {
      if (done) return;
      done = true;
      io.log(why);
      // Synchronous, before anything else: the process may exit as soon as this returns.
      dnsAddon?.restoreFiles();
      void dnsAddon?.close();
      clearInterval(counters);
      discovery.close();
      listeners.closeAll();
      udp.closeAll();
      proxiesReady?.closeAll();
      bridge.resetAll('shutting-down');
      for (const line of violations.summary()) io.log(line);
      if (udp.drops.total > 0) io.log(`datagrams dropped in all: ${udp.drops.describe()}`);
      session.close({ kind: 'closed', why });
      resolve(code);
    }

    if (options.stop?.aborted) return finish(EXIT_OK, `${String(options.stop.reason)}: shutting down`);
    options.stop?.addEventListener('abort', () => finish(EXIT_OK, `${String(options.stop?.reason)}: shutting down`), { once: true });
    session.start();
    discovery.prime(current);
    void Promise.all([listeners.apply(targets()), udp.apply(current), applyProxies(current)]).then(() => {
      listenersTried = true;
      sendStatus();
      if (!done) options.onListening?.([...listeners.listening, ...udp.listening, ...(proxiesReady?.listening ?? [])]);
    });
  });
}

/** COUNTERS' body (§4.8); `dns` always (a router of an older version requires it), zero without the add-on. */
function agentCounters(dns: DnsAddon | undefined, udp: UdpAgent): AgentCounters {
  return { dns: dns?.counters ?? { answered: 0, relayed: 0, dropped: 0 }, udp: { dropped: Object.fromEntries(udp.drops.snapshot()), flows: udp.flows } };
}

function forwardMap(config: AgentConfig): Map<number, Forward> {
  return new Map(config.forwards.filter((f) => f.proto === 'tcp').map((f) => [f.listenPort, f]));
}

/**
 * Every `--other` VIP:port, and this host's own VIP for each forward (reached through the router
 * too); nothing with `--no-loopback` (only the proxies reach the mesh).
 */
export function listenTargets(config: AgentConfig): ListenTarget[] {
  if (config.noLoopback) return [];
  return [
    ...config.others.filter((o) => o.proto === 'tcp').map((o) => ({ ip: o.vip, port: o.port })),
    ...config.forwards.filter((f) => f.proto === 'tcp').map((f) => ({ ip: config.me, port: f.listenPort })),
  ];
}

function protocolError(code: 'bad-control' | 'no-hello', message: string): ProtocolError {
  return new ProtocolError(code, message);
}

