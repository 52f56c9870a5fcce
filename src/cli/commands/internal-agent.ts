import { Command, Option } from 'clipanion';
import { buildAgentConfig } from '../../plan/agent-args.js';
import { EXIT_USAGE } from '../../meta/exit-codes.js';
import { BOOTSTRAP_GLOBAL } from '../../bootstrap/constants.js';

export class InternalAgentCommand extends Command {
  static override paths = [['internal', 'agent']];

  static override usage = Command.Usage({
    category: 'Internal',
    description: 'run one host agent, speaking the norouter protocol on stdin/stdout',
    details: `
      Started by \`norouter run\` on every host (through the host's \`cmd\`); not meant to be run by hand. Listens on every \`--other\` VIP:PORT and on its own VIP for its own \`--forward\` ports, and dials only its \`--forward\` targets. Logs to stderr only. Exits when stdin closes.
    `,
    examples: [
      [
        'What `norouter plan` prints for a host',
        '$0 internal agent --me 127.0.42.101 --forward 8080:127.0.0.1:80/tcp --other 127.0.42.102:8080/tcp',
      ],
    ],
  });

  me = Option.String('--me', { required: true, description: 'This host\'s VIP, an IPv4 address' });
  forwards = Option.Array('--forward', [], { description: 'A published port: SPEC is LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp|/udp]' });
  others = Option.Array('--other', [], { description: 'A port another host publishes: VIP:PORT[/tcp|/udp]' });
  dns = Option.String('--dns', { description: 'Run the DNS server on this host\'s VIP, at PORT (UDP and TCP)' });
  dnsDomain = Option.String('--dns-domain', { description: 'A suffix under which every name answers too' });
  dnsResolvConf = Option.String('--dns-resolv-conf', { description: 'Patch /etc/resolv.conf: MODE is auto (when writable) or true' });
  writeEtcHosts = Option.Boolean('--write-etc-hosts', false, { description: 'Write the names into /etc/hosts while running' });
  dnsNames = Option.Array('--dns-name', [], { description: 'A name the DNS server (and the proxies) answer, NAME=VIP' });
  httpProxy = Option.String('--http-proxy', { description: 'Run an HTTP proxy into the mesh on ADDRESS:PORT' });
  socksProxy = Option.String('--socks-proxy', { description: 'Run a SOCKS4/4a/5 proxy into the mesh on ADDRESS:PORT' });
  noLoopback = Option.Boolean('--no-loopback', false, { description: 'Listen on no VIP: only the proxies reach the mesh' });
  routes = Option.Array('--route', [], { description: 'Destinations that leave the mesh at a host: ROUTE is VIA_VIP=CIDR_OR_GLOB[,…]' });
  discover = Option.String('--discover', { description: 'Publish the TCP ports this host listens on among PORTS (80,443,8000-8999), live' });
  discoverExclude = Option.String('--discover-exclude', { description: 'Ports (80,443,8000-8999) that --discover leaves out' });
  discoverUdp = Option.Boolean('--discover-udp', false, { description: 'Publish the UDP ports this host serves on too (unconnected sockets seen twice, outside the ephemeral range)' });
  // The manifest's `keepalive` in ms (docs/reliability.md, bug 8); hidden: only compile writes it.
  keepalive = Option.String('--keepalive', { hidden: true, description: 'PING every INTERVAL_MS; a link silent for TIMEOUT_MS is dead: INTERVAL_MS,TIMEOUT_MS' });

  // The manifest's `udp` (flow idle time and cap); hidden: only compile writes it.
  udpFlows = Option.String('--udp-flows', { hidden: true, description: 'UDP flows end after IDLE_MS without a datagram; at most MAX_FLOWS at once: IDLE_MS,MAX_FLOWS' });

  override async execute(): Promise<number> {
    const config = buildAgentConfig(this.me, this.forwards, this.others, {
      port: this.dns, domain: this.dnsDomain, resolvConf: this.dnsResolvConf, etcHosts: this.writeEtcHosts, names: this.dnsNames,
    }, { http: this.httpProxy, socks: this.socksProxy, noLoopback: this.noLoopback, routes: this.routes }, this.keepalive,
    { include: this.discover, exclude: this.discoverExclude, udp: this.discoverUdp }, this.udpFlows);
    if (!config.ok) {
      for (const p of config.byFlag) this.context.stderr.write(`norouter internal agent: ${p.path ? `${p.path}: ` : ''}${p.message}\n`);
      return EXIT_USAGE;
    }
    const { runAgent } = await import('../../agent/run-agent.js');
    const { openSlabInput } = await import('../../link/index.js');
    // A signal stops the agent as its input closing does: what it changed on the host (the DNS
    // add-on's files) is restored before it exits (README, "Name resolution (DNS)").
    const stop = new AbortController();
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
    const onSignal = (signal: NodeJS.Signals): void => stop.abort(signal);
    for (const signal of signals) process.on(signal, onSignal);
    const { keepalive } = config.value;
    const log = (line: string) => this.context.stderr.write(`${line}\n`);
    try {
      // stdin in large reads when it is a pipe or a socket (src/link/slab-input.ts); process.stdin
      // is then never touched, which would open a second handle on the same descriptor. Not after
      // the bootstrap loader (src/bootstrap/loader.ts): it has read process.stdin already and put
      // the first frames back into it.
      const bootstrapped = (globalThis as Record<string, unknown>)[BOOTSTRAP_GLOBAL] !== undefined;
      const input = bootstrapped ? undefined : openSlabInput(0);
      const io = input ? { input: input.socket, bindInput: input.bind } : { input: process.stdin };
      const code = await runAgent(config.value, { ...io, output: process.stdout, log },
        { stop: stop.signal, ...(keepalive ? { keepaliveIntervalMs: keepalive.intervalMs, keepaliveTimeoutMs: keepalive.timeoutMs } : {}) });
      exitSoon(code, log);
      return code;
    } finally {
      for (const signal of signals) process.off(signal, onSignal);
    }
  }
}

/**
 * The agent has closed everything it knows of and the process should end by itself. Should a handle
 * outlive it (a bug), it must not keep the agent alive: with the router gone nothing would ever
 * stop it (docs/protocol.md §9; docs/reliability.md, "Faults": every agent exits within 2 s of its
 * input closing). The timer is unref'd: it fires only when something else holds the process, and
 * then says what.
 */
const EXIT_GRACE_MS = 1_000;

function exitSoon(code: number, log: (line: string) => void): void {
  setTimeout(() => {
    log(`still running ${EXIT_GRACE_MS} ms after shutting down (${process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').join(', ') || 'nothing known'}): exiting`);
    process.exit(code);
  }, EXIT_GRACE_MS).unref();
}
