// DO NOT EDIT. Generated from schema/manifest.schema.json by `npm run generate`.
// Edit the schema, then run `npm run generate`; a test fails while this file is stale.

/**
 * The host's virtual IPv4 address. Other hosts reach this host's published ports at VIP:LISTEN. Normally in 127.0.0.0/8, where Linux answers on every address without setup; each host needs its own.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "vip".
 */
export type Vip = string;
/**
 * The command that starts norouter on the host with its stdin and stdout joined to the router, for example `docker exec -i NAME norouter`, `kubectl exec -i POD -- norouter` or `ssh USER@HOST -- norouter`. norouter appends `internal agent …` to it. With `bootstrap: true` it ends in the host's `node` instead (`docker exec -i NAME node`), and norouter brings itself. Either a list of arguments or one string split like a shell would (quotes and backslashes honoured) but run without a shell: a pipe, redirection, `;`, `&&` or `$(…)` in it is an error and `$VAR` a warning; to run a shell, write `sh -c 'exec … "$@"' sh` (the agent's arguments arrive as "$@"). Leave it out for the host norouter itself runs on: at most one host may do so.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "cmd".
 */
export type Cmd = [string, ...string[]] | string;
/**
 * Ports this host publishes, each `LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp|/udp]`: a connection (TCP, the default) or a datagram (`/udp`) to VIP:LISTEN from any host is carried to this host, which sends it on to CONNECT_HOST:CONNECT_PORT on its own network. CONNECT_HOST is an IPv4 address, an IPv6 address in brackets (`[::1]`) or a host name resolved on this host. A TCP and a UDP port may share a number (`53:127.0.0.1:53` and `53:127.0.0.1:53/udp`). UDP replies go back to the client that sent the datagram, per client address and port (a flow), for as long as the flow is not idle (see `udp`).
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "ports".
 */
export type Ports = string[];
/**
 * Whether this host's agent runs a DNS server on its VIP answering every host's name (and alias) with that host's VIP, and relaying every other query to the host's own nameservers. Defaults to true once a `dns` section applies to the host (its own or hostTemplate's); `false` turns it off for one host.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "dnsEnable".
 */
export type DnsEnable = boolean;
/**
 * The port of the DNS server, on the host's VIP, over UDP and TCP. /etc/resolv.conf cannot name a port, so only 53 lets the host's resolver use it; listening on 53 needs root or CAP_NET_BIND_SERVICE (Docker containers have it). When the port cannot be had, the agent says why and serves on a fallback port instead, without patching resolv.conf. Default 53.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "dnsPort".
 */
export type DnsPort = number;
/**
 * A domain suffix: with `mesh`, every name answers both as `host1` and as `host1.mesh`. One or more DNS labels separated by dots, without a leading or trailing dot.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "dnsDomain".
 */
export type DnsDomain = string;
/**
 * Whether the agent points the host's /etc/resolv.conf at its DNS server, so that every program resolves the names. `auto` (the default) patches a remote host's file when it is writable and never the local machine's; `true` patches it on any host, the local one included; `false` never. The file is written in place (Docker and Kubernetes bind-mount it), lists the agent as its only nameserver (musl asks every nameserver at once), keeps `search` and `ndots`, carries the original inside it, and is restored byte for byte when the agent exits, or at its next start after a crash. A read-only file is a warning, never a failure.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "dnsResolvConf".
 */
export type DnsResolvConf = 'auto' | true | false;
/**
 * More names for this host, answered like its own name by every host's DNS server and written to /etc/hosts. Each is a DNS name: labels of letters, digits and inner hyphens, separated by dots. No alias may repeat a host name or another alias (letter case ignored).
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "dnsAliases".
 */
export type DnsAliases = string[];
/**
 * The original NoRouter's spelling of `dns.aliases`, accepted with the same meaning: more names for this host, served by the DNS add-on (when on), written to /etc/hosts (with `writeEtcHosts`) and known to the proxies. Unlike `dns.aliases` it does not turn DNS on. Both may be given; the names add up.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "hostAliases".
 */
export type HostAliases = string[];
/**
 * Whether the agent writes every host's name (and aliases) with its VIP into the host's /etc/hosts, as the original NoRouter did: a block between `# BEGIN norouter` and `# END norouter` lines, written in place and removed when the agent exits (or at its next start after a crash). Works without the DNS server, for programs that read only /etc/hosts. An unwritable file is a warning. Default false.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "writeEtcHosts".
 */
export type WriteEtcHosts = boolean;
/**
 * Whether norouter brings itself to the host instead of needing it installed there. With a `cmd` ending in a POSIX shell (`docker exec -i NAME sh`, `kubectl exec -i POD -- sh`, `ssh USER@HOST -- sh`), any Linux host of the router's CPU architecture joins, musl or glibc, with or without Node.js: the router first sends a small script that looks at the host; a host with Node.js >= 20.19 runs the agent with it, from memory, and nothing is written there; otherwise the router sends the Node runtime it runs on itself (about 40 MB gzipped, once), kept in a per-user cache on the host (`bootstrapCache`) and checked against its SHA-256 before each use. With a `cmd` ending in the host's `node` (`docker exec -i NAME node`), the router starts it with a small loader on the command line and sends only the single-file agent (about 190 KiB, gzipped); nothing is written to the host's disk, and the host needs Node.js >= 20.19. `norouter plan` shows which route each host takes; whatever a host lacks is reported with its name. No effect on the host without `cmd`, which runs norouter itself. Default false.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "bootstrap".
 */
export type Bootstrap = boolean;
/**
 * With `bootstrap: true` and a `cmd` ending in a shell: the directory on the host where norouter keeps its own Node runtime when the host has no Node.js >= 20.19 (an absolute path, made private with mode 700; it must be writable by the user and allow executing files: nothing else is tried). Default: the first usable of `$XDG_CACHE_HOME/norouter`, `~/.cache/norouter`, `/tmp/norouter-UID`, `/dev/shm/norouter-UID`.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "bootstrapCache".
 */
export type BootstrapCache = string;
/**
 * With `bootstrap: true` and a `cmd` ending in a shell: a directory on the machine norouter runs on holding the Node.js runtime to send to a host without Node.js >= 20.19, instead of norouter's own: for a host of another CPU architecture. It holds `node` (a dynamically linked Linux build, >= 20.19) and, beside it, every shared library it needs under the name it is looked up by (`libstdc++.so.6`…) and its dynamic loader (`ld-linux-aarch64.so.1`…), for example an official Node.js linux-arm64 build with the libraries of an arm64 Debian. Sent once, kept in the host's cache like norouter's own.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "bootstrapRuntime".
 */
export type BootstrapRuntime = string;
/**
 * Where the proxy listens, on the host's own network: `ADDRESS:PORT`, the address an IPv4 address, `localhost` or a bracketed IPv6 address (`[::1]:1080`). Use a loopback address unless other machines should use the proxy: it reaches every published port of the mesh.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "proxyListen".
 */
export type ProxyListen = string;
/**
 * Publish the TCP ports this host listens on, found by themselves and followed live: a server that starts listening on this host (on 127.0.0.1, 0.0.0.0, ::1, :: or one of its own addresses) is reachable from every other host at `VIP:PORT` within about a second, and withdrawn when it stops (new connections are refused, established ones keep running). `true` publishes every port but the administrative ones (SSH 22, SMTP 25, DNS 53, rpcbind 111, CUPS 631, NFS 2049, Docker 2375-2376, etcd 2379-2380, LLMNR 5355, Kubernetes 6443 and 10248-10259). The object form filters: with `include`, exactly the ports it lists are candidates (the administrative ones too, when it names them); `exclude` leaves ports out. Explicit `ports` always win: a port the host publishes in `ports` (as its listen port or as its target on the host's loopback) is not published again. The mesh's own listeners and the agent's own sockets are never published. Default false.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "discover".
 */
export type Discover =
  | boolean
  | {
      include?: PortRanges;
      exclude?: PortRanges1;
      /**
       * Publish the UDP ports this host serves on too, as `/udp` ports: unconnected UDP sockets seen in two reads in a row, outside the host's ephemeral port range (where clients' sockets are) unless `include` names the port; without `include`, the UDP services of the host's system (DHCP 67-68, NTP 123, NetBIOS 137-138, SNMP 161-162, IKE 500, DHCPv6 546-547, SSDP 1900, 4500, mDNS 5353) are left out too, for TCP as well. Off by default: a client's socket on a fixed port looks exactly like a server's. Default false.
       */
      udp?: boolean;
    };
/**
 * The only ports discovery publishes (the administrative ones too, when named here). Default: every port but the administrative ones.
 */
export type PortRanges = (number | string)[];
/**
 * Ports discovery never publishes, even when `include` names them.
 */
export type PortRanges1 = (number | string)[];
/**
 * Destinations outside the mesh that the proxies may reach, and the host that dials them on its own network (the "VPN-ish" mode: every service of a Docker network or a VPC through one bastion). A proxy request that is not for a host of the mesh follows the most specific matching route (longest prefix for CIDRs; for host-name globs, the most literal characters; the first listed on a tie), or is refused. Only the `via` host dials, and only what its routes allow.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "routes".
 */
export type Routes = Route[];
/**
 * Ports and ranges of ports: `8080` or `"8000-8999"` (both ends included), each 1-65535.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "portRanges".
 */
export type PortRanges2 = (number | string)[];

/**
 * A norouter manifest: the hosts of one virtual loopback network, how to reach each (the command whose stdin and stdout carry its traffic), its virtual IP, and the ports it publishes.
 */
export interface Manifest {
  hosts: Hosts;
  hostTemplate?: HostTemplate;
  routes?: Routes;
  keepalive?: Keepalive;
  metrics?: Metrics;
  udp?: Udp;
}
/**
 * The hosts of the network, by name. The name is a DNS label (letters, digits and hyphens, at most 63 characters) because hosts become DNS names. An underscore is accepted too, as the original NoRouter accepted it (`aws_bastion`): such a name works with the proxies, /etc/hosts and routes, but a DNS host name cannot have it (resolvers may refuse the answer), so with DNS on give the host an alias. Order matters: plans and logs follow it.
 */
export interface Hosts {
  [k: string]: Host | undefined;
}
/**
 * One host of the network: a container, a pod, an SSH machine, or (without `cmd`) the machine norouter runs on.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "host".
 */
export interface Host {
  vip: Vip;
  cmd?: Cmd;
  ports?: Ports;
  dns?: HostDns;
  aliases?: HostAliases;
  writeEtcHosts?: WriteEtcHosts;
  bootstrap?: Bootstrap;
  bootstrapCache?: BootstrapCache;
  bootstrapRuntime?: BootstrapRuntime;
  http?: HttpProxy;
  socks?: SocksProxy;
  loopback?: Loopback;
  stateDir?: StateDir;
  discover?: Discover;
}
/**
 * This host's name resolution (the DNS add-on): whether its agent runs the DNS server, where, whether it patches /etc/resolv.conf, and more names for this host. Fields left out come from hostTemplate's `dns`.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "hostDns".
 */
export interface HostDns {
  enable?: DnsEnable;
  port?: DnsPort;
  domain?: DnsDomain;
  resolvConf?: DnsResolvConf;
  aliases?: DnsAliases;
}
/**
 * An HTTP proxy run by this host's agent on the host's own network: absolute-URI requests (GET and every other method, keep-alive) and CONNECT tunnels. A request for a host of the mesh (its name, with or without the DNS domain suffix, an alias, or its VIP) goes over the mesh to that host's published port; anything else follows `routes`, or is refused with 403 naming why. Off unless set; `{}` (no `listen`) means off, as in the original NoRouter, and on a host turns off hostTemplate's proxy.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "httpProxy".
 */
export interface HttpProxy {
  listen?: ProxyListen;
}
/**
 * A SOCKS proxy run by this host's agent on the host's own network: SOCKS5 (CONNECT, with or without remote name resolution), SOCKS4 and SOCKS4a, no authentication. Destinations are handled as by the HTTP proxy; a refusal is a SOCKS reply code. Off unless set; `{}` (no `listen`) means off, as in the original NoRouter, and on a host turns off hostTemplate's proxy.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "socksProxy".
 */
export interface SocksProxy {
  listen?: ProxyListen;
}
/**
 * The host's loopback VIP listeners. With `disable: true` the agent listens on no VIP at all and only its proxies (`http`, `socks`) reach the mesh: for macOS and the BSDs, where 127.0.42.x does not exist without setup. Its own published ports are still reached by the other hosts.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "loopback".
 */
export interface Loopback {
  /**
   * Listen on no VIP. Default false.
   */
  disable?: boolean;
}
/**
 * The original NoRouter's state directory on each host (`~/.norouter/agent`), where it wrote a hosts and a HOSTALIASES file. norouter writes no state directory: the names reach programs through the DNS add-on (`dns`) or /etc/hosts (`writeEtcHosts`). Accepted so that the original's manifests load; with `disable: true` it says what norouter does anyway, otherwise it is ignored with a warning.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "stateDir".
 */
export interface StateDir {
  /**
   * The original's directory path on the host. Ignored (with a warning).
   */
  pathOnAgent?: string;
  /**
   * The original's switch to write no state directory: what norouter always does.
   */
  disable?: boolean;
}
/**
 * Defaults for every host. Its `ports` are prepended to every host's own `ports`; its `dns` fields, `writeEtcHosts`, `bootstrap`, `http`, `socks`, `loopback` and `discover` apply to every host that does not set them itself.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "hostTemplate".
 */
export interface HostTemplate {
  ports?: Ports;
  dns?: Dns;
  writeEtcHosts?: WriteEtcHosts;
  bootstrap?: Bootstrap;
  bootstrapCache?: BootstrapCache;
  bootstrapRuntime?: BootstrapRuntime;
  http?: HttpProxy;
  socks?: SocksProxy;
  loopback?: Loopback;
  stateDir?: StateDir;
  discover?: Discover;
}
/**
 * Name resolution for the hosts (the DNS add-on): each host's agent answers every host's name with its VIP, so `curl http://host1:8080` works on every host. In hostTemplate: the defaults for every host; a host's own `dns` overrides them field by field.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "dns".
 */
export interface Dns {
  enable?: DnsEnable;
  port?: DnsPort;
  domain?: DnsDomain;
  resolvConf?: DnsResolvConf;
}
/**
 * One route: connections to any of `to` leave the mesh at host `via`.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "route".
 */
export interface Route {
  /**
   * The host that dials these destinations on its own network: its name, or its VIP (as the original NoRouter allowed).
   */
  via: string;
  /**
   * IPv4 CIDRs (`10.0.0.0/8`, or one address) and host-name globs (`*.internal`, `db-?`, `*` for every name; `*` matches any characters, dots included, `?` one). Names are passed to the `via` host, which resolves them itself.
   *
   * @minItems 1
   */
  to: [string, ...string[]];
}
/**
 * How quickly a stalled link is noticed: a host whose command stops reading or writing its stdio (a frozen container, an ssh connection dropped without a reset, a hung `kubectl exec`). The router and every agent each send a ping every `interval` seconds, and each ends a link on which nothing at all has arrived for `timeout` seconds: the router then kills that host's agent and restarts it with backoff, the agent exits. Both sides use the same values, so a stall is detected after `timeout` seconds (plus at most one `interval`) at either end. `timeout` must be at least twice `interval`, so that one late ping is not taken for a dead link. Default: interval 10, timeout 45. Shorter values notice a stall sooner but send more pings and give a busy host less slack. Until a host's agent has said hello the router waits at least the default 45 s, whatever `timeout` says: its command may take that long to connect (an ssh login, a `kubectl exec`, a bootstrap). The router also ends a link whose agent has not read what was sent to it for `timeout` seconds, even while it still pings. The values are part of every agent's command line: changing them restarts every agent.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "keepalive".
 */
export interface Keepalive {
  /**
   * Seconds between two pings sent by the router and by each agent. Default 10.
   */
  interval?: number;
  /**
   * Seconds without receiving anything after which the router (for a host) or an agent (for its link to the router) takes the link for dead. At least twice `interval`. Default 45.
   */
  timeout?: number;
}
/**
 * Serves the mesh's metrics in the Prometheus text format at `http://ADDRESS:PORT/metrics`, from the router (docs/status.md): bytes and connections per host and direction, UDP datagrams, flows and drops per host, restarts, refusals and aborts by reason, reloads, link backlog. Off unless set; `norouter run --metrics ADDRESS:PORT` sets it too and wins over the manifest. A reload moves it (the old address stays served when the new one cannot be). Use a loopback address unless other machines should scrape it: the metrics name every host.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "metrics".
 */
export interface Metrics {
  /**
   * `ADDRESS:PORT` on the router's machine, the address an IPv4 address, `localhost` or a bracketed IPv6 address.
   */
  listen: string;
}
/**
 * UDP flows. Each client address and port sending datagrams to a host's `/udp` port is a flow: the publishing host sends its datagrams from a socket of their own, so replies reach that client only. A flow ends after `idleTimeout` seconds without a datagram either way, and each host keeps at most `maxFlows` at once on each side (a new flow beyond that is refused and its datagram dropped and counted). Datagrams are never queued without bound: when a link is congested they are dropped and counted, so UDP never slows TCP. Default: idleTimeout 120, maxFlows 4096. The values are part of every agent's command line; a change is applied live: flows that are idle longer than the new time end.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "udp".
 */
export interface Udp {
  /**
   * Seconds without a datagram after which a flow ends. Default 120.
   */
  idleTimeout?: number;
  /**
   * Flows at most at once per host and side (each holds a socket on the publishing host). Default 4096.
   */
  maxFlows?: number;
}
