// DO NOT EDIT. Generated from schema/manifest.schema.json by `npm run generate`.
// Edit the schema, then run `npm run generate`; a test fails while this file is stale.
/* eslint-disable */
// @ts-nocheck
"use strict";
export const validate = validate20;
export default validate20;
const schema31 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://norouter.invalid/schema/manifest.schema.json","title":"Manifest","description":"A norouter manifest: the hosts of one virtual loopback network, how to reach each (the command whose stdin and stdout carry its traffic), its virtual IP, and the ports it publishes.","type":"object","additionalProperties":false,"required":["hosts"],"properties":{"hosts":{"title":"Hosts","description":"The hosts of the network, by name. The name is a DNS label (letters, digits and hyphens, at most 63 characters) because hosts become DNS names. An underscore is accepted too, as the original NoRouter accepted it (`aws_bastion`): such a name works with the proxies, /etc/hosts and routes, but a DNS host name cannot have it (resolvers may refuse the answer), so with DNS on give the host an alias. Order matters: plans and logs follow it.","type":"object","minProperties":1,"additionalProperties":{"$ref":"#/$defs/host"},"examples":[{"laptop":{"vip":"127.0.42.100"},"web":{"cmd":["docker","exec","-i","web","norouter"],"vip":"127.0.42.101","ports":["8080:127.0.0.1:80"]}}]},"hostTemplate":{"$ref":"#/$defs/hostTemplate"},"routes":{"$ref":"#/$defs/routes"},"keepalive":{"$ref":"#/$defs/keepalive"},"metrics":{"$ref":"#/$defs/metrics"},"udp":{"$ref":"#/$defs/udp"}},"$defs":{"host":{"title":"Host","description":"One host of the network: a container, a pod, an SSH machine, or (without `cmd`) the machine norouter runs on.","type":"object","additionalProperties":false,"required":["vip"],"properties":{"vip":{"$ref":"#/$defs/vip"},"cmd":{"$ref":"#/$defs/cmd"},"ports":{"$ref":"#/$defs/ports"},"dns":{"$ref":"#/$defs/hostDns"},"aliases":{"$ref":"#/$defs/hostAliases"},"writeEtcHosts":{"$ref":"#/$defs/writeEtcHosts"},"bootstrap":{"$ref":"#/$defs/bootstrap"},"bootstrapCache":{"$ref":"#/$defs/bootstrapCache"},"bootstrapRuntime":{"$ref":"#/$defs/bootstrapRuntime"},"http":{"$ref":"#/$defs/httpProxy"},"socks":{"$ref":"#/$defs/socksProxy"},"loopback":{"$ref":"#/$defs/loopback"},"stateDir":{"$ref":"#/$defs/stateDir"},"discover":{"$ref":"#/$defs/discover"}},"examples":[{"cmd":"docker exec -i host1 norouter","vip":"127.0.42.101","ports":["8080:127.0.0.1:80"],"dns":{"aliases":["www"]}},{"cmd":"docker exec -i host2 node","vip":"127.0.42.102","bootstrap":true}]},"hostTemplate":{"title":"HostTemplate","description":"Defaults for every host. Its `ports` are prepended to every host's own `ports`; its `dns` fields, `writeEtcHosts`, `bootstrap`, `http`, `socks`, `loopback` and `discover` apply to every host that does not set them itself.","type":"object","additionalProperties":false,"properties":{"ports":{"$ref":"#/$defs/ports"},"dns":{"$ref":"#/$defs/dns"},"writeEtcHosts":{"$ref":"#/$defs/writeEtcHosts"},"bootstrap":{"$ref":"#/$defs/bootstrap"},"bootstrapCache":{"$ref":"#/$defs/bootstrapCache"},"bootstrapRuntime":{"$ref":"#/$defs/bootstrapRuntime"},"http":{"$ref":"#/$defs/httpProxy"},"socks":{"$ref":"#/$defs/socksProxy"},"loopback":{"$ref":"#/$defs/loopback"},"stateDir":{"$ref":"#/$defs/stateDir"},"discover":{"$ref":"#/$defs/discover"}},"examples":[{"ports":["9090:127.0.0.1:9090"],"dns":{"domain":"mesh"}}]},"vip":{"title":"Vip","description":"The host's virtual IPv4 address. Other hosts reach this host's published ports at VIP:LISTEN. Normally in 127.0.0.0/8, where Linux answers on every address without setup; each host needs its own.","type":"string","pattern":"^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$","examples":["127.0.42.101"]},"cmd":{"title":"Cmd","description":"The command that starts norouter on the host with its stdin and stdout joined to the router, for example `docker exec -i NAME norouter`, `kubectl exec -i POD -- norouter` or `ssh USER@HOST -- norouter`. norouter appends `internal agent …` to it. With `bootstrap: true` it ends in the host's `node` instead (`docker exec -i NAME node`), and norouter brings itself. Either a list of arguments or one string split like a shell would (quotes and backslashes honoured) but run without a shell: a pipe, redirection, `;`, `&&` or `$(…)` in it is an error and `$VAR` a warning; to run a shell, write `sh -c 'exec … \"$@\"' sh` (the agent's arguments arrive as \"$@\"). Leave it out for the host norouter itself runs on: at most one host may do so.","oneOf":[{"type":"array","minItems":1,"items":{"type":"string"}},{"type":"string"}],"examples":[["docker","exec","-i","host1","norouter"],"ssh user@example.com -- norouter"]},"ports":{"title":"Ports","description":"Ports this host publishes, each `LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp|/udp]`: a connection (TCP, the default) or a datagram (`/udp`) to VIP:LISTEN from any host is carried to this host, which sends it on to CONNECT_HOST:CONNECT_PORT on its own network. CONNECT_HOST is an IPv4 address, an IPv6 address in brackets (`[::1]`) or a host name resolved on this host. A TCP and a UDP port may share a number (`53:127.0.0.1:53` and `53:127.0.0.1:53/udp`). UDP replies go back to the client that sent the datagram, per client address and port (a flow), for as long as the flow is not idle (see `udp`).","type":"array","items":{"type":"string","pattern":"^[0-9]+:(?:[^:\\s\\[\\]]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]+(?:/(?:tcp|udp))?$"},"examples":[["8080:127.0.0.1:80","5432:db.internal:5432/tcp","5353:127.0.0.1:53/udp","8443:[::1]:443"]]},"discover":{"title":"Discover","description":"Publish the TCP ports this host listens on, found by themselves and followed live: a server that starts listening on this host (on 127.0.0.1, 0.0.0.0, ::1, :: or one of its own addresses) is reachable from every other host at `VIP:PORT` within about a second, and withdrawn when it stops (new connections are refused, established ones keep running). `true` publishes every port but the administrative ones (SSH 22, SMTP 25, DNS 53, rpcbind 111, CUPS 631, NFS 2049, Docker 2375-2376, etcd 2379-2380, LLMNR 5355, Kubernetes 6443 and 10248-10259). The object form filters: with `include`, exactly the ports it lists are candidates (the administrative ones too, when it names them); `exclude` leaves ports out. Explicit `ports` always win: a port the host publishes in `ports` (as its listen port or as its target on the host's loopback) is not published again. The mesh's own listeners and the agent's own sockets are never published. Default false.","oneOf":[{"type":"boolean"},{"type":"object","additionalProperties":false,"properties":{"include":{"$ref":"#/$defs/portRanges","description":"The only ports discovery publishes (the administrative ones too, when named here). Default: every port but the administrative ones."},"exclude":{"$ref":"#/$defs/portRanges","description":"Ports discovery never publishes, even when `include` names them."},"udp":{"type":"boolean","description":"Publish the UDP ports this host serves on too, as `/udp` ports: unconnected UDP sockets seen in two reads in a row, outside the host's ephemeral port range (where clients' sockets are) unless `include` names the port; without `include`, the UDP services of the host's system (DHCP 67-68, NTP 123, NetBIOS 137-138, SNMP 161-162, IKE 500, DHCPv6 546-547, SSDP 1900, 4500, mDNS 5353) are left out too, for TCP as well. Off by default: a client's socket on a fixed port looks exactly like a server's. Default false."}}}],"examples":[true,{"exclude":[5432,"9000-9100"]},{"include":["3000-3999",8080]}]},"portRanges":{"title":"PortRanges","description":"Ports and ranges of ports: `8080` or `\"8000-8999\"` (both ends included), each 1-65535.","type":"array","items":{"oneOf":[{"type":"integer"},{"type":"string"}]},"examples":[[22,"8000-8999"]]},"dns":{"title":"Dns","description":"Name resolution for the hosts (the DNS add-on): each host's agent answers every host's name with its VIP, so `curl http://host1:8080` works on every host. In hostTemplate: the defaults for every host; a host's own `dns` overrides them field by field.","type":"object","additionalProperties":false,"properties":{"enable":{"$ref":"#/$defs/dnsEnable"},"port":{"$ref":"#/$defs/dnsPort"},"domain":{"$ref":"#/$defs/dnsDomain"},"resolvConf":{"$ref":"#/$defs/dnsResolvConf"}},"examples":[{"domain":"mesh","resolvConf":"auto"}]},"hostDns":{"title":"HostDns","description":"This host's name resolution (the DNS add-on): whether its agent runs the DNS server, where, whether it patches /etc/resolv.conf, and more names for this host. Fields left out come from hostTemplate's `dns`.","type":"object","additionalProperties":false,"properties":{"enable":{"$ref":"#/$defs/dnsEnable"},"port":{"$ref":"#/$defs/dnsPort"},"domain":{"$ref":"#/$defs/dnsDomain"},"resolvConf":{"$ref":"#/$defs/dnsResolvConf"},"aliases":{"$ref":"#/$defs/dnsAliases"}},"examples":[{"aliases":["www"],"resolvConf":true}]},"dnsAliases":{"title":"DnsAliases","description":"More names for this host, answered like its own name by every host's DNS server and written to /etc/hosts. Each is a DNS name: labels of letters, digits and inner hyphens, separated by dots. No alias may repeat a host name or another alias (letter case ignored).","type":"array","items":{"type":"string"},"examples":[["www","api.internal"]]},"hostAliases":{"title":"HostAliases","description":"The original NoRouter's spelling of `dns.aliases`, accepted with the same meaning: more names for this host, served by the DNS add-on (when on), written to /etc/hosts (with `writeEtcHosts`) and known to the proxies. Unlike `dns.aliases` it does not turn DNS on. Both may be given; the names add up.","type":"array","items":{"type":"string"},"examples":[["nginx","nginx.example.com"]]},"writeEtcHosts":{"title":"WriteEtcHosts","description":"Whether the agent writes every host's name (and aliases) with its VIP into the host's /etc/hosts, as the original NoRouter did: a block between `# BEGIN norouter` and `# END norouter` lines, written in place and removed when the agent exits (or at its next start after a crash). Works without the DNS server, for programs that read only /etc/hosts. An unwritable file is a warning. Default false.","type":"boolean","examples":[true]},"dnsEnable":{"title":"DnsEnable","description":"Whether this host's agent runs a DNS server on its VIP answering every host's name (and alias) with that host's VIP, and relaying every other query to the host's own nameservers. Defaults to true once a `dns` section applies to the host (its own or hostTemplate's); `false` turns it off for one host.","type":"boolean","examples":[true]},"dnsPort":{"title":"DnsPort","description":"The port of the DNS server, on the host's VIP, over UDP and TCP. /etc/resolv.conf cannot name a port, so only 53 lets the host's resolver use it; listening on 53 needs root or CAP_NET_BIND_SERVICE (Docker containers have it). When the port cannot be had, the agent says why and serves on a fallback port instead, without patching resolv.conf. Default 53.","type":"integer","minimum":1,"maximum":65535,"examples":[53]},"dnsDomain":{"title":"DnsDomain","description":"A domain suffix: with `mesh`, every name answers both as `host1` and as `host1.mesh`. One or more DNS labels separated by dots, without a leading or trailing dot.","type":"string","examples":["mesh"]},"dnsResolvConf":{"title":"DnsResolvConf","description":"Whether the agent points the host's /etc/resolv.conf at its DNS server, so that every program resolves the names. `auto` (the default) patches a remote host's file when it is writable and never the local machine's; `true` patches it on any host, the local one included; `false` never. The file is written in place (Docker and Kubernetes bind-mount it), lists the agent as its only nameserver (musl asks every nameserver at once), keeps `search` and `ndots`, carries the original inside it, and is restored byte for byte when the agent exits, or at its next start after a crash. A read-only file is a warning, never a failure.","enum":["auto",true,false],"examples":["auto"]},"bootstrap":{"title":"Bootstrap","description":"Whether norouter brings itself to the host instead of needing it installed there. With a `cmd` ending in a POSIX shell (`docker exec -i NAME sh`, `kubectl exec -i POD -- sh`, `ssh USER@HOST -- sh`), any Linux host of the router's CPU architecture joins, musl or glibc, with or without Node.js: the router first sends a small script that looks at the host; a host with Node.js >= 20.19 runs the agent with it, from memory, and nothing is written there; otherwise the router sends the Node runtime it runs on itself (about 40 MB gzipped, once), kept in a per-user cache on the host (`bootstrapCache`) and checked against its SHA-256 before each use. With a `cmd` ending in the host's `node` (`docker exec -i NAME node`), the router starts it with a small loader on the command line and sends only the single-file agent (about 190 KiB, gzipped); nothing is written to the host's disk, and the host needs Node.js >= 20.19. `norouter plan` shows which route each host takes; whatever a host lacks is reported with its name. No effect on the host without `cmd`, which runs norouter itself. Default false.","type":"boolean","examples":[true]},"bootstrapCache":{"title":"BootstrapCache","description":"With `bootstrap: true` and a `cmd` ending in a shell: the directory on the host where norouter keeps its own Node runtime when the host has no Node.js >= 20.19 (an absolute path, made private with mode 700; it must be writable by the user and allow executing files: nothing else is tried). Default: the first usable of `$XDG_CACHE_HOME/norouter`, `~/.cache/norouter`, `/tmp/norouter-UID`, `/dev/shm/norouter-UID`.","type":"string","pattern":"^/","examples":["/var/cache/norouter"]},"bootstrapRuntime":{"title":"BootstrapRuntime","description":"With `bootstrap: true` and a `cmd` ending in a shell: a directory on the machine norouter runs on holding the Node.js runtime to send to a host without Node.js >= 20.19, instead of norouter's own: for a host of another CPU architecture. It holds `node` (a dynamically linked Linux build, >= 20.19) and, beside it, every shared library it needs under the name it is looked up by (`libstdc++.so.6`…) and its dynamic loader (`ld-linux-aarch64.so.1`…), for example an official Node.js linux-arm64 build with the libraries of an arm64 Debian. Sent once, kept in the host's cache like norouter's own.","type":"string","pattern":"^/","examples":["/opt/norouter/runtime-aarch64"]},"httpProxy":{"title":"HttpProxy","description":"An HTTP proxy run by this host's agent on the host's own network: absolute-URI requests (GET and every other method, keep-alive) and CONNECT tunnels. A request for a host of the mesh (its name, with or without the DNS domain suffix, an alias, or its VIP) goes over the mesh to that host's published port; anything else follows `routes`, or is refused with 403 naming why. Off unless set; `{}` (no `listen`) means off, as in the original NoRouter, and on a host turns off hostTemplate's proxy.","type":"object","additionalProperties":false,"properties":{"listen":{"$ref":"#/$defs/proxyListen"}},"examples":[{"listen":"127.0.0.1:18080"}]},"socksProxy":{"title":"SocksProxy","description":"A SOCKS proxy run by this host's agent on the host's own network: SOCKS5 (CONNECT, with or without remote name resolution), SOCKS4 and SOCKS4a, no authentication. Destinations are handled as by the HTTP proxy; a refusal is a SOCKS reply code. Off unless set; `{}` (no `listen`) means off, as in the original NoRouter, and on a host turns off hostTemplate's proxy.","type":"object","additionalProperties":false,"properties":{"listen":{"$ref":"#/$defs/proxyListen"}},"examples":[{"listen":"127.0.0.1:1080"}]},"proxyListen":{"title":"ProxyListen","description":"Where the proxy listens, on the host's own network: `ADDRESS:PORT`, the address an IPv4 address, `localhost` or a bracketed IPv6 address (`[::1]:1080`). Use a loopback address unless other machines should use the proxy: it reaches every published port of the mesh.","type":"string","examples":["127.0.0.1:18080","[::1]:1080"]},"loopback":{"title":"Loopback","description":"The host's loopback VIP listeners. With `disable: true` the agent listens on no VIP at all and only its proxies (`http`, `socks`) reach the mesh: for macOS and the BSDs, where 127.0.42.x does not exist without setup. Its own published ports are still reached by the other hosts.","type":"object","additionalProperties":false,"properties":{"disable":{"type":"boolean","description":"Listen on no VIP. Default false."}},"examples":[{"disable":true}]},"stateDir":{"title":"StateDir","description":"The original NoRouter's state directory on each host (`~/.norouter/agent`), where it wrote a hosts and a HOSTALIASES file. norouter writes no state directory: the names reach programs through the DNS add-on (`dns`) or /etc/hosts (`writeEtcHosts`). Accepted so that the original's manifests load; with `disable: true` it says what norouter does anyway, otherwise it is ignored with a warning.","type":"object","additionalProperties":false,"properties":{"pathOnAgent":{"type":"string","description":"The original's directory path on the host. Ignored (with a warning)."},"disable":{"type":"boolean","description":"The original's switch to write no state directory: what norouter always does."}},"examples":[{"disable":true}]},"routes":{"title":"Routes","description":"Destinations outside the mesh that the proxies may reach, and the host that dials them on its own network (the \"VPN-ish\" mode: every service of a Docker network or a VPC through one bastion). A proxy request that is not for a host of the mesh follows the most specific matching route (longest prefix for CIDRs; for host-name globs, the most literal characters; the first listed on a tie), or is refused. Only the `via` host dials, and only what its routes allow.","type":"array","items":{"$ref":"#/$defs/route"},"examples":[[{"via":"bastion","to":["10.0.0.0/8","*.internal"]}]]},"route":{"title":"Route","description":"One route: connections to any of `to` leave the mesh at host `via`.","type":"object","additionalProperties":false,"required":["via","to"],"properties":{"via":{"type":"string","description":"The host that dials these destinations on its own network: its name, or its VIP (as the original NoRouter allowed)."},"to":{"type":"array","minItems":1,"description":"IPv4 CIDRs (`10.0.0.0/8`, or one address) and host-name globs (`*.internal`, `db-?`, `*` for every name; `*` matches any characters, dots included, `?` one). Names are passed to the `via` host, which resolves them itself.","items":{"type":"string"}}},"examples":[{"via":"bastion","to":["172.18.0.0/16","*.svc.cluster.local"]}]},"keepalive":{"title":"Keepalive","description":"How quickly a stalled link is noticed: a host whose command stops reading or writing its stdio (a frozen container, an ssh connection dropped without a reset, a hung `kubectl exec`). The router and every agent each send a ping every `interval` seconds, and each ends a link on which nothing at all has arrived for `timeout` seconds: the router then kills that host's agent and restarts it with backoff, the agent exits. Both sides use the same values, so a stall is detected after `timeout` seconds (plus at most one `interval`) at either end. `timeout` must be at least twice `interval`, so that one late ping is not taken for a dead link. Default: interval 10, timeout 45. Shorter values notice a stall sooner but send more pings and give a busy host less slack. Until a host's agent has said hello the router waits at least the default 45 s, whatever `timeout` says: its command may take that long to connect (an ssh login, a `kubectl exec`, a bootstrap). The router also ends a link whose agent has not read what was sent to it for `timeout` seconds, even while it still pings. The values are part of every agent's command line: changing them restarts every agent.","type":"object","additionalProperties":false,"properties":{"interval":{"type":"number","minimum":0.05,"maximum":3600,"description":"Seconds between two pings sent by the router and by each agent. Default 10."},"timeout":{"type":"number","minimum":0.1,"maximum":3600,"description":"Seconds without receiving anything after which the router (for a host) or an agent (for its link to the router) takes the link for dead. At least twice `interval`. Default 45."}},"examples":[{"interval":1,"timeout":5}]},"metrics":{"title":"Metrics","description":"Serves the mesh's metrics in the Prometheus text format at `http://ADDRESS:PORT/metrics`, from the router (docs/status.md): bytes and connections per host and direction, UDP datagrams, flows and drops per host, restarts, refusals and aborts by reason, reloads, link backlog. Off unless set; `norouter run --metrics ADDRESS:PORT` sets it too and wins over the manifest. A reload moves it (the old address stays served when the new one cannot be). Use a loopback address unless other machines should scrape it: the metrics name every host.","type":"object","additionalProperties":false,"required":["listen"],"properties":{"listen":{"description":"`ADDRESS:PORT` on the router's machine, the address an IPv4 address, `localhost` or a bracketed IPv6 address.","type":"string","pattern":"^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$"}},"examples":[{"listen":"127.0.0.1:9464"}]},"udp":{"title":"Udp","description":"UDP flows. Each client address and port sending datagrams to a host's `/udp` port is a flow: the publishing host sends its datagrams from a socket of their own, so replies reach that client only. A flow ends after `idleTimeout` seconds without a datagram either way, and each host keeps at most `maxFlows` at once on each side (a new flow beyond that is refused and its datagram dropped and counted). Datagrams are never queued without bound: when a link is congested they are dropped and counted, so UDP never slows TCP. Default: idleTimeout 120, maxFlows 4096. The values are part of every agent's command line; a change is applied live: flows that are idle longer than the new time end.","type":"object","additionalProperties":false,"properties":{"idleTimeout":{"type":"number","minimum":0.05,"maximum":86400,"description":"Seconds without a datagram after which a flow ends. Default 120."},"maxFlows":{"type":"integer","minimum":1,"maximum":65536,"description":"Flows at most at once per host and side (each holds a socket on the publishing host). Default 4096."}},"examples":[{"idleTimeout":30,"maxFlows":1024}]}}};
const schema71 = {"title":"Keepalive","description":"How quickly a stalled link is noticed: a host whose command stops reading or writing its stdio (a frozen container, an ssh connection dropped without a reset, a hung `kubectl exec`). The router and every agent each send a ping every `interval` seconds, and each ends a link on which nothing at all has arrived for `timeout` seconds: the router then kills that host's agent and restarts it with backoff, the agent exits. Both sides use the same values, so a stall is detected after `timeout` seconds (plus at most one `interval`) at either end. `timeout` must be at least twice `interval`, so that one late ping is not taken for a dead link. Default: interval 10, timeout 45. Shorter values notice a stall sooner but send more pings and give a busy host less slack. Until a host's agent has said hello the router waits at least the default 45 s, whatever `timeout` says: its command may take that long to connect (an ssh login, a `kubectl exec`, a bootstrap). The router also ends a link whose agent has not read what was sent to it for `timeout` seconds, even while it still pings. The values are part of every agent's command line: changing them restarts every agent.","type":"object","additionalProperties":false,"properties":{"interval":{"type":"number","minimum":0.05,"maximum":3600,"description":"Seconds between two pings sent by the router and by each agent. Default 10."},"timeout":{"type":"number","minimum":0.1,"maximum":3600,"description":"Seconds without receiving anything after which the router (for a host) or an agent (for its link to the router) takes the link for dead. At least twice `interval`. Default 45."}},"examples":[{"interval":1,"timeout":5}]};
const schema72 = {"title":"Metrics","description":"Serves the mesh's metrics in the Prometheus text format at `http://ADDRESS:PORT/metrics`, from the router (docs/status.md): bytes and connections per host and direction, UDP datagrams, flows and drops per host, restarts, refusals and aborts by reason, reloads, link backlog. Off unless set; `norouter run --metrics ADDRESS:PORT` sets it too and wins over the manifest. A reload moves it (the old address stays served when the new one cannot be). Use a loopback address unless other machines should scrape it: the metrics name every host.","type":"object","additionalProperties":false,"required":["listen"],"properties":{"listen":{"description":"`ADDRESS:PORT` on the router's machine, the address an IPv4 address, `localhost` or a bracketed IPv6 address.","type":"string","pattern":"^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$"}},"examples":[{"listen":"127.0.0.1:9464"}]};
const schema73 = {"title":"Udp","description":"UDP flows. Each client address and port sending datagrams to a host's `/udp` port is a flow: the publishing host sends its datagrams from a socket of their own, so replies reach that client only. A flow ends after `idleTimeout` seconds without a datagram either way, and each host keeps at most `maxFlows` at once on each side (a new flow beyond that is refused and its datagram dropped and counted). Datagrams are never queued without bound: when a link is congested they are dropped and counted, so UDP never slows TCP. Default: idleTimeout 120, maxFlows 4096. The values are part of every agent's command line; a change is applied live: flows that are idle longer than the new time end.","type":"object","additionalProperties":false,"properties":{"idleTimeout":{"type":"number","minimum":0.05,"maximum":86400,"description":"Seconds without a datagram after which a flow ends. Default 120."},"maxFlows":{"type":"integer","minimum":1,"maximum":65536,"description":"Flows at most at once per host and side (each holds a socket on the publishing host). Default 4096."}},"examples":[{"idleTimeout":30,"maxFlows":1024}]};
const schema32 = {"title":"Host","description":"One host of the network: a container, a pod, an SSH machine, or (without `cmd`) the machine norouter runs on.","type":"object","additionalProperties":false,"required":["vip"],"properties":{"vip":{"$ref":"#/$defs/vip"},"cmd":{"$ref":"#/$defs/cmd"},"ports":{"$ref":"#/$defs/ports"},"dns":{"$ref":"#/$defs/hostDns"},"aliases":{"$ref":"#/$defs/hostAliases"},"writeEtcHosts":{"$ref":"#/$defs/writeEtcHosts"},"bootstrap":{"$ref":"#/$defs/bootstrap"},"bootstrapCache":{"$ref":"#/$defs/bootstrapCache"},"bootstrapRuntime":{"$ref":"#/$defs/bootstrapRuntime"},"http":{"$ref":"#/$defs/httpProxy"},"socks":{"$ref":"#/$defs/socksProxy"},"loopback":{"$ref":"#/$defs/loopback"},"stateDir":{"$ref":"#/$defs/stateDir"},"discover":{"$ref":"#/$defs/discover"}},"examples":[{"cmd":"docker exec -i host1 norouter","vip":"127.0.42.101","ports":["8080:127.0.0.1:80"],"dns":{"aliases":["www"]}},{"cmd":"docker exec -i host2 node","vip":"127.0.42.102","bootstrap":true}]};
const schema33 = {"title":"Vip","description":"The host's virtual IPv4 address. Other hosts reach this host's published ports at VIP:LISTEN. Normally in 127.0.0.0/8, where Linux answers on every address without setup; each host needs its own.","type":"string","pattern":"^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$","examples":["127.0.42.101"]};
const schema34 = {"title":"Cmd","description":"The command that starts norouter on the host with its stdin and stdout joined to the router, for example `docker exec -i NAME norouter`, `kubectl exec -i POD -- norouter` or `ssh USER@HOST -- norouter`. norouter appends `internal agent …` to it. With `bootstrap: true` it ends in the host's `node` instead (`docker exec -i NAME node`), and norouter brings itself. Either a list of arguments or one string split like a shell would (quotes and backslashes honoured) but run without a shell: a pipe, redirection, `;`, `&&` or `$(…)` in it is an error and `$VAR` a warning; to run a shell, write `sh -c 'exec … \"$@\"' sh` (the agent's arguments arrive as \"$@\"). Leave it out for the host norouter itself runs on: at most one host may do so.","oneOf":[{"type":"array","minItems":1,"items":{"type":"string"}},{"type":"string"}],"examples":[["docker","exec","-i","host1","norouter"],"ssh user@example.com -- norouter"]};
const schema35 = {"title":"Ports","description":"Ports this host publishes, each `LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp|/udp]`: a connection (TCP, the default) or a datagram (`/udp`) to VIP:LISTEN from any host is carried to this host, which sends it on to CONNECT_HOST:CONNECT_PORT on its own network. CONNECT_HOST is an IPv4 address, an IPv6 address in brackets (`[::1]`) or a host name resolved on this host. A TCP and a UDP port may share a number (`53:127.0.0.1:53` and `53:127.0.0.1:53/udp`). UDP replies go back to the client that sent the datagram, per client address and port (a flow), for as long as the flow is not idle (see `udp`).","type":"array","items":{"type":"string","pattern":"^[0-9]+:(?:[^:\\s\\[\\]]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]+(?:/(?:tcp|udp))?$"},"examples":[["8080:127.0.0.1:80","5432:db.internal:5432/tcp","5353:127.0.0.1:53/udp","8443:[::1]:443"]]};
const schema42 = {"title":"HostAliases","description":"The original NoRouter's spelling of `dns.aliases`, accepted with the same meaning: more names for this host, served by the DNS add-on (when on), written to /etc/hosts (with `writeEtcHosts`) and known to the proxies. Unlike `dns.aliases` it does not turn DNS on. Both may be given; the names add up.","type":"array","items":{"type":"string"},"examples":[["nginx","nginx.example.com"]]};
const schema43 = {"title":"WriteEtcHosts","description":"Whether the agent writes every host's name (and aliases) with its VIP into the host's /etc/hosts, as the original NoRouter did: a block between `# BEGIN norouter` and `# END norouter` lines, written in place and removed when the agent exits (or at its next start after a crash). Works without the DNS server, for programs that read only /etc/hosts. An unwritable file is a warning. Default false.","type":"boolean","examples":[true]};
const schema44 = {"title":"Bootstrap","description":"Whether norouter brings itself to the host instead of needing it installed there. With a `cmd` ending in a POSIX shell (`docker exec -i NAME sh`, `kubectl exec -i POD -- sh`, `ssh USER@HOST -- sh`), any Linux host of the router's CPU architecture joins, musl or glibc, with or without Node.js: the router first sends a small script that looks at the host; a host with Node.js >= 20.19 runs the agent with it, from memory, and nothing is written there; otherwise the router sends the Node runtime it runs on itself (about 40 MB gzipped, once), kept in a per-user cache on the host (`bootstrapCache`) and checked against its SHA-256 before each use. With a `cmd` ending in the host's `node` (`docker exec -i NAME node`), the router starts it with a small loader on the command line and sends only the single-file agent (about 190 KiB, gzipped); nothing is written to the host's disk, and the host needs Node.js >= 20.19. `norouter plan` shows which route each host takes; whatever a host lacks is reported with its name. No effect on the host without `cmd`, which runs norouter itself. Default false.","type":"boolean","examples":[true]};
const schema45 = {"title":"BootstrapCache","description":"With `bootstrap: true` and a `cmd` ending in a shell: the directory on the host where norouter keeps its own Node runtime when the host has no Node.js >= 20.19 (an absolute path, made private with mode 700; it must be writable by the user and allow executing files: nothing else is tried). Default: the first usable of `$XDG_CACHE_HOME/norouter`, `~/.cache/norouter`, `/tmp/norouter-UID`, `/dev/shm/norouter-UID`.","type":"string","pattern":"^/","examples":["/var/cache/norouter"]};
const schema46 = {"title":"BootstrapRuntime","description":"With `bootstrap: true` and a `cmd` ending in a shell: a directory on the machine norouter runs on holding the Node.js runtime to send to a host without Node.js >= 20.19, instead of norouter's own: for a host of another CPU architecture. It holds `node` (a dynamically linked Linux build, >= 20.19) and, beside it, every shared library it needs under the name it is looked up by (`libstdc++.so.6`…) and its dynamic loader (`ld-linux-aarch64.so.1`…), for example an official Node.js linux-arm64 build with the libraries of an arm64 Debian. Sent once, kept in the host's cache like norouter's own.","type":"string","pattern":"^/","examples":["/opt/norouter/runtime-aarch64"]};
const schema51 = {"title":"Loopback","description":"The host's loopback VIP listeners. With `disable: true` the agent listens on no VIP at all and only its proxies (`http`, `socks`) reach the mesh: for macOS and the BSDs, where 127.0.42.x does not exist without setup. Its own published ports are still reached by the other hosts.","type":"object","additionalProperties":false,"properties":{"disable":{"type":"boolean","description":"Listen on no VIP. Default false."}},"examples":[{"disable":true}]};
const schema52 = {"title":"StateDir","description":"The original NoRouter's state directory on each host (`~/.norouter/agent`), where it wrote a hosts and a HOSTALIASES file. norouter writes no state directory: the names reach programs through the DNS add-on (`dns`) or /etc/hosts (`writeEtcHosts`). Accepted so that the original's manifests load; with `disable: true` it says what norouter does anyway, otherwise it is ignored with a warning.","type":"object","additionalProperties":false,"properties":{"pathOnAgent":{"type":"string","description":"The original's directory path on the host. Ignored (with a warning)."},"disable":{"type":"boolean","description":"The original's switch to write no state directory: what norouter always does."}},"examples":[{"disable":true}]};
const func1 = Object.prototype.hasOwnProperty;
const pattern4 = new RegExp("^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$", "u");
const pattern5 = new RegExp("^[0-9]+:(?:[^:\\s\\[\\]]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]+(?:/(?:tcp|udp))?$", "u");
const pattern6 = new RegExp("^/", "u");
const schema36 = {"title":"HostDns","description":"This host's name resolution (the DNS add-on): whether its agent runs the DNS server, where, whether it patches /etc/resolv.conf, and more names for this host. Fields left out come from hostTemplate's `dns`.","type":"object","additionalProperties":false,"properties":{"enable":{"$ref":"#/$defs/dnsEnable"},"port":{"$ref":"#/$defs/dnsPort"},"domain":{"$ref":"#/$defs/dnsDomain"},"resolvConf":{"$ref":"#/$defs/dnsResolvConf"},"aliases":{"$ref":"#/$defs/dnsAliases"}},"examples":[{"aliases":["www"],"resolvConf":true}]};
const schema37 = {"title":"DnsEnable","description":"Whether this host's agent runs a DNS server on its VIP answering every host's name (and alias) with that host's VIP, and relaying every other query to the host's own nameservers. Defaults to true once a `dns` section applies to the host (its own or hostTemplate's); `false` turns it off for one host.","type":"boolean","examples":[true]};
const schema38 = {"title":"DnsPort","description":"The port of the DNS server, on the host's VIP, over UDP and TCP. /etc/resolv.conf cannot name a port, so only 53 lets the host's resolver use it; listening on 53 needs root or CAP_NET_BIND_SERVICE (Docker containers have it). When the port cannot be had, the agent says why and serves on a fallback port instead, without patching resolv.conf. Default 53.","type":"integer","minimum":1,"maximum":65535,"examples":[53]};
const schema39 = {"title":"DnsDomain","description":"A domain suffix: with `mesh`, every name answers both as `host1` and as `host1.mesh`. One or more DNS labels separated by dots, without a leading or trailing dot.","type":"string","examples":["mesh"]};
const schema40 = {"title":"DnsResolvConf","description":"Whether the agent points the host's /etc/resolv.conf at its DNS server, so that every program resolves the names. `auto` (the default) patches a remote host's file when it is writable and never the local machine's; `true` patches it on any host, the local one included; `false` never. The file is written in place (Docker and Kubernetes bind-mount it), lists the agent as its only nameserver (musl asks every nameserver at once), keeps `search` and `ndots`, carries the original inside it, and is restored byte for byte when the agent exits, or at its next start after a crash. A read-only file is a warning, never a failure.","enum":["auto",true,false],"examples":["auto"]};
const schema41 = {"title":"DnsAliases","description":"More names for this host, answered like its own name by every host's DNS server and written to /etc/hosts. Each is a DNS name: labels of letters, digits and inner hyphens, separated by dots. No alias may repeat a host name or another alias (letter case ignored).","type":"array","items":{"type":"string"},"examples":[["www","api.internal"]]};

function validate22(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate22.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((((key0 === "enable") || (key0 === "port")) || (key0 === "domain")) || (key0 === "resolvConf")) || (key0 === "aliases"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.enable !== undefined){
if(typeof data.enable !== "boolean"){
const err1 = {instancePath:instancePath+"/enable",schemaPath:"#/$defs/dnsEnable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.port !== undefined){
let data1 = data.port;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err2 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/dnsPort/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 65535 || isNaN(data1)){
const err3 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/dnsPort/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data1 < 1 || isNaN(data1)){
const err4 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/dnsPort/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
if(data.domain !== undefined){
if(typeof data.domain !== "string"){
const err5 = {instancePath:instancePath+"/domain",schemaPath:"#/$defs/dnsDomain/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.resolvConf !== undefined){
let data3 = data.resolvConf;
if(!(((data3 === "auto") || (data3 === true)) || (data3 === false))){
const err6 = {instancePath:instancePath+"/resolvConf",schemaPath:"#/$defs/dnsResolvConf/enum",keyword:"enum",params:{allowedValues: schema40.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.aliases !== undefined){
let data4 = data.aliases;
if(Array.isArray(data4)){
const len0 = data4.length;
for(let i0=0; i0<len0; i0++){
if(typeof data4[i0] !== "string"){
const err7 = {instancePath:instancePath+"/aliases/" + i0,schemaPath:"#/$defs/dnsAliases/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/aliases",schemaPath:"#/$defs/dnsAliases/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
validate22.errors = vErrors;
return errors === 0;
}
validate22.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema47 = {"title":"HttpProxy","description":"An HTTP proxy run by this host's agent on the host's own network: absolute-URI requests (GET and every other method, keep-alive) and CONNECT tunnels. A request for a host of the mesh (its name, with or without the DNS domain suffix, an alias, or its VIP) goes over the mesh to that host's published port; anything else follows `routes`, or is refused with 403 naming why. Off unless set; `{}` (no `listen`) means off, as in the original NoRouter, and on a host turns off hostTemplate's proxy.","type":"object","additionalProperties":false,"properties":{"listen":{"$ref":"#/$defs/proxyListen"}},"examples":[{"listen":"127.0.0.1:18080"}]};
const schema48 = {"title":"ProxyListen","description":"Where the proxy listens, on the host's own network: `ADDRESS:PORT`, the address an IPv4 address, `localhost` or a bracketed IPv6 address (`[::1]:1080`). Use a loopback address unless other machines should use the proxy: it reaches every published port of the mesh.","type":"string","examples":["127.0.0.1:18080","[::1]:1080"]};

function validate24(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate24.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(key0 === "listen")){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.listen !== undefined){
if(typeof data.listen !== "string"){
const err1 = {instancePath:instancePath+"/listen",schemaPath:"#/$defs/proxyListen/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
}
else {
const err2 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
validate24.errors = vErrors;
return errors === 0;
}
validate24.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema49 = {"title":"SocksProxy","description":"A SOCKS proxy run by this host's agent on the host's own network: SOCKS5 (CONNECT, with or without remote name resolution), SOCKS4 and SOCKS4a, no authentication. Destinations are handled as by the HTTP proxy; a refusal is a SOCKS reply code. Off unless set; `{}` (no `listen`) means off, as in the original NoRouter, and on a host turns off hostTemplate's proxy.","type":"object","additionalProperties":false,"properties":{"listen":{"$ref":"#/$defs/proxyListen"}},"examples":[{"listen":"127.0.0.1:1080"}]};

function validate26(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate26.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(key0 === "listen")){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.listen !== undefined){
if(typeof data.listen !== "string"){
const err1 = {instancePath:instancePath+"/listen",schemaPath:"#/$defs/proxyListen/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
}
else {
const err2 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
validate26.errors = vErrors;
return errors === 0;
}
validate26.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema53 = {"title":"Discover","description":"Publish the TCP ports this host listens on, found by themselves and followed live: a server that starts listening on this host (on 127.0.0.1, 0.0.0.0, ::1, :: or one of its own addresses) is reachable from every other host at `VIP:PORT` within about a second, and withdrawn when it stops (new connections are refused, established ones keep running). `true` publishes every port but the administrative ones (SSH 22, SMTP 25, DNS 53, rpcbind 111, CUPS 631, NFS 2049, Docker 2375-2376, etcd 2379-2380, LLMNR 5355, Kubernetes 6443 and 10248-10259). The object form filters: with `include`, exactly the ports it lists are candidates (the administrative ones too, when it names them); `exclude` leaves ports out. Explicit `ports` always win: a port the host publishes in `ports` (as its listen port or as its target on the host's loopback) is not published again. The mesh's own listeners and the agent's own sockets are never published. Default false.","oneOf":[{"type":"boolean"},{"type":"object","additionalProperties":false,"properties":{"include":{"$ref":"#/$defs/portRanges","description":"The only ports discovery publishes (the administrative ones too, when named here). Default: every port but the administrative ones."},"exclude":{"$ref":"#/$defs/portRanges","description":"Ports discovery never publishes, even when `include` names them."},"udp":{"type":"boolean","description":"Publish the UDP ports this host serves on too, as `/udp` ports: unconnected UDP sockets seen in two reads in a row, outside the host's ephemeral port range (where clients' sockets are) unless `include` names the port; without `include`, the UDP services of the host's system (DHCP 67-68, NTP 123, NetBIOS 137-138, SNMP 161-162, IKE 500, DHCPv6 546-547, SSDP 1900, 4500, mDNS 5353) are left out too, for TCP as well. Off by default: a client's socket on a fixed port looks exactly like a server's. Default false."}}}],"examples":[true,{"exclude":[5432,"9000-9100"]},{"include":["3000-3999",8080]}]};
const schema54 = {"title":"PortRanges","description":"Ports and ranges of ports: `8080` or `\"8000-8999\"` (both ends included), each 1-65535.","type":"array","items":{"oneOf":[{"type":"integer"},{"type":"string"}]},"examples":[[22,"8000-8999"]]};

function validate28(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate28.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
let passing0 = null;
const _errs1 = errors;
if(typeof data !== "boolean"){
const err0 = {instancePath,schemaPath:"#/oneOf/0/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
var _valid0 = _errs1 === errors;
if(_valid0){
valid0 = true;
passing0 = 0;
}
const _errs3 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((key0 === "include") || (key0 === "exclude")) || (key0 === "udp"))){
const err1 = {instancePath,schemaPath:"#/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.include !== undefined){
let data0 = data.include;
if(Array.isArray(data0)){
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
let data1 = data0[i0];
const _errs10 = errors;
let valid5 = false;
let passing1 = null;
const _errs11 = errors;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err2 = {instancePath:instancePath+"/include/" + i0,schemaPath:"#/$defs/portRanges/items/oneOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
var _valid1 = _errs11 === errors;
if(_valid1){
valid5 = true;
passing1 = 0;
}
const _errs13 = errors;
if(typeof data1 !== "string"){
const err3 = {instancePath:instancePath+"/include/" + i0,schemaPath:"#/$defs/portRanges/items/oneOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
var _valid1 = _errs13 === errors;
if(_valid1 && valid5){
valid5 = false;
passing1 = [passing1, 1];
}
else {
if(_valid1){
valid5 = true;
passing1 = 1;
}
}
if(!valid5){
const err4 = {instancePath:instancePath+"/include/" + i0,schemaPath:"#/$defs/portRanges/items/oneOf",keyword:"oneOf",params:{passingSchemas: passing1},message:"must match exactly one schema in oneOf"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
else {
errors = _errs10;
if(vErrors !== null){
if(_errs10){
vErrors.length = _errs10;
}
else {
vErrors = null;
}
}
}
}
}
else {
const err5 = {instancePath:instancePath+"/include",schemaPath:"#/$defs/portRanges/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.exclude !== undefined){
let data2 = data.exclude;
if(Array.isArray(data2)){
const len1 = data2.length;
for(let i1=0; i1<len1; i1++){
let data3 = data2[i1];
const _errs19 = errors;
let valid9 = false;
let passing2 = null;
const _errs20 = errors;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err6 = {instancePath:instancePath+"/exclude/" + i1,schemaPath:"#/$defs/portRanges/items/oneOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid2 = _errs20 === errors;
if(_valid2){
valid9 = true;
passing2 = 0;
}
const _errs22 = errors;
if(typeof data3 !== "string"){
const err7 = {instancePath:instancePath+"/exclude/" + i1,schemaPath:"#/$defs/portRanges/items/oneOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
var _valid2 = _errs22 === errors;
if(_valid2 && valid9){
valid9 = false;
passing2 = [passing2, 1];
}
else {
if(_valid2){
valid9 = true;
passing2 = 1;
}
}
if(!valid9){
const err8 = {instancePath:instancePath+"/exclude/" + i1,schemaPath:"#/$defs/portRanges/items/oneOf",keyword:"oneOf",params:{passingSchemas: passing2},message:"must match exactly one schema in oneOf"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
else {
errors = _errs19;
if(vErrors !== null){
if(_errs19){
vErrors.length = _errs19;
}
else {
vErrors = null;
}
}
}
}
}
else {
const err9 = {instancePath:instancePath+"/exclude",schemaPath:"#/$defs/portRanges/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.udp !== undefined){
if(typeof data.udp !== "boolean"){
const err10 = {instancePath:instancePath+"/udp",schemaPath:"#/oneOf/1/properties/udp/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath,schemaPath:"#/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
var _valid0 = _errs3 === errors;
if(_valid0 && valid0){
valid0 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid0 = true;
passing0 = 1;
var props0 = true;
}
}
if(!valid0){
const err12 = {instancePath,schemaPath:"#/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate28.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate28.evaluated = {"dynamicProps":true,"dynamicItems":false};


function validate21(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate21.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.vip === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "vip"},message:"must have required property '"+"vip"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(func1.call(schema32.properties, key0))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.vip !== undefined){
let data0 = data.vip;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err2 = {instancePath:instancePath+"/vip",schemaPath:"#/$defs/vip/pattern",keyword:"pattern",params:{pattern: "^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"},message:"must match pattern \""+"^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"+"\""};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/vip",schemaPath:"#/$defs/vip/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.cmd !== undefined){
let data1 = data.cmd;
const _errs7 = errors;
let valid3 = false;
let passing0 = null;
const _errs8 = errors;
if(Array.isArray(data1)){
if(data1.length < 1){
const err4 = {instancePath:instancePath+"/cmd",schemaPath:"#/$defs/cmd/oneOf/0/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
if(typeof data1[i0] !== "string"){
const err5 = {instancePath:instancePath+"/cmd/" + i0,schemaPath:"#/$defs/cmd/oneOf/0/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/cmd",schemaPath:"#/$defs/cmd/oneOf/0/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid0 = _errs8 === errors;
if(_valid0){
valid3 = true;
passing0 = 0;
}
const _errs12 = errors;
if(typeof data1 !== "string"){
const err7 = {instancePath:instancePath+"/cmd",schemaPath:"#/$defs/cmd/oneOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
var _valid0 = _errs12 === errors;
if(_valid0 && valid3){
valid3 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid3 = true;
passing0 = 1;
}
}
if(!valid3){
const err8 = {instancePath:instancePath+"/cmd",schemaPath:"#/$defs/cmd/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
else {
errors = _errs7;
if(vErrors !== null){
if(_errs7){
vErrors.length = _errs7;
}
else {
vErrors = null;
}
}
}
}
if(data.ports !== undefined){
let data3 = data.ports;
if(Array.isArray(data3)){
const len1 = data3.length;
for(let i1=0; i1<len1; i1++){
let data4 = data3[i1];
if(typeof data4 === "string"){
if(!pattern5.test(data4)){
const err9 = {instancePath:instancePath+"/ports/" + i1,schemaPath:"#/$defs/ports/items/pattern",keyword:"pattern",params:{pattern: "^[0-9]+:(?:[^:\\s\\[\\]]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]+(?:/(?:tcp|udp))?$"},message:"must match pattern \""+"^[0-9]+:(?:[^:\\s\\[\\]]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]+(?:/(?:tcp|udp))?$"+"\""};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/ports/" + i1,schemaPath:"#/$defs/ports/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/ports",schemaPath:"#/$defs/ports/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.dns !== undefined){
if(!(validate22(data.dns, {instancePath:instancePath+"/dns",parentData:data,parentDataProperty:"dns",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
}
if(data.aliases !== undefined){
let data6 = data.aliases;
if(Array.isArray(data6)){
const len2 = data6.length;
for(let i2=0; i2<len2; i2++){
if(typeof data6[i2] !== "string"){
const err12 = {instancePath:instancePath+"/aliases/" + i2,schemaPath:"#/$defs/hostAliases/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
else {
const err13 = {instancePath:instancePath+"/aliases",schemaPath:"#/$defs/hostAliases/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.writeEtcHosts !== undefined){
if(typeof data.writeEtcHosts !== "boolean"){
const err14 = {instancePath:instancePath+"/writeEtcHosts",schemaPath:"#/$defs/writeEtcHosts/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.bootstrap !== undefined){
if(typeof data.bootstrap !== "boolean"){
const err15 = {instancePath:instancePath+"/bootstrap",schemaPath:"#/$defs/bootstrap/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.bootstrapCache !== undefined){
let data10 = data.bootstrapCache;
if(typeof data10 === "string"){
if(!pattern6.test(data10)){
const err16 = {instancePath:instancePath+"/bootstrapCache",schemaPath:"#/$defs/bootstrapCache/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\""};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/bootstrapCache",schemaPath:"#/$defs/bootstrapCache/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.bootstrapRuntime !== undefined){
let data11 = data.bootstrapRuntime;
if(typeof data11 === "string"){
if(!pattern6.test(data11)){
const err18 = {instancePath:instancePath+"/bootstrapRuntime",schemaPath:"#/$defs/bootstrapRuntime/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\""};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
else {
const err19 = {instancePath:instancePath+"/bootstrapRuntime",schemaPath:"#/$defs/bootstrapRuntime/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data.http !== undefined){
if(!(validate24(data.http, {instancePath:instancePath+"/http",parentData:data,parentDataProperty:"http",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate24.errors : vErrors.concat(validate24.errors);
errors = vErrors.length;
}
}
if(data.socks !== undefined){
if(!(validate26(data.socks, {instancePath:instancePath+"/socks",parentData:data,parentDataProperty:"socks",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.loopback !== undefined){
let data14 = data.loopback;
if(data14 && typeof data14 == "object" && !Array.isArray(data14)){
for(const key1 in data14){
if(!(key1 === "disable")){
const err20 = {instancePath:instancePath+"/loopback",schemaPath:"#/$defs/loopback/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data14.disable !== undefined){
if(typeof data14.disable !== "boolean"){
const err21 = {instancePath:instancePath+"/loopback/disable",schemaPath:"#/$defs/loopback/properties/disable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
}
else {
const err22 = {instancePath:instancePath+"/loopback",schemaPath:"#/$defs/loopback/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data.stateDir !== undefined){
let data16 = data.stateDir;
if(data16 && typeof data16 == "object" && !Array.isArray(data16)){
for(const key2 in data16){
if(!((key2 === "pathOnAgent") || (key2 === "disable"))){
const err23 = {instancePath:instancePath+"/stateDir",schemaPath:"#/$defs/stateDir/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data16.pathOnAgent !== undefined){
if(typeof data16.pathOnAgent !== "string"){
const err24 = {instancePath:instancePath+"/stateDir/pathOnAgent",schemaPath:"#/$defs/stateDir/properties/pathOnAgent/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data16.disable !== undefined){
if(typeof data16.disable !== "boolean"){
const err25 = {instancePath:instancePath+"/stateDir/disable",schemaPath:"#/$defs/stateDir/properties/disable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
}
else {
const err26 = {instancePath:instancePath+"/stateDir",schemaPath:"#/$defs/stateDir/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data.discover !== undefined){
if(!(validate28(data.discover, {instancePath:instancePath+"/discover",parentData:data,parentDataProperty:"discover",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate28.errors : vErrors.concat(validate28.errors);
errors = vErrors.length;
}
}
}
else {
const err27 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
validate21.errors = vErrors;
return errors === 0;
}
validate21.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema56 = {"title":"HostTemplate","description":"Defaults for every host. Its `ports` are prepended to every host's own `ports`; its `dns` fields, `writeEtcHosts`, `bootstrap`, `http`, `socks`, `loopback` and `discover` apply to every host that does not set them itself.","type":"object","additionalProperties":false,"properties":{"ports":{"$ref":"#/$defs/ports"},"dns":{"$ref":"#/$defs/dns"},"writeEtcHosts":{"$ref":"#/$defs/writeEtcHosts"},"bootstrap":{"$ref":"#/$defs/bootstrap"},"bootstrapCache":{"$ref":"#/$defs/bootstrapCache"},"bootstrapRuntime":{"$ref":"#/$defs/bootstrapRuntime"},"http":{"$ref":"#/$defs/httpProxy"},"socks":{"$ref":"#/$defs/socksProxy"},"loopback":{"$ref":"#/$defs/loopback"},"stateDir":{"$ref":"#/$defs/stateDir"},"discover":{"$ref":"#/$defs/discover"}},"examples":[{"ports":["9090:127.0.0.1:9090"],"dns":{"domain":"mesh"}}]};
const schema58 = {"title":"Dns","description":"Name resolution for the hosts (the DNS add-on): each host's agent answers every host's name with its VIP, so `curl http://host1:8080` works on every host. In hostTemplate: the defaults for every host; a host's own `dns` overrides them field by field.","type":"object","additionalProperties":false,"properties":{"enable":{"$ref":"#/$defs/dnsEnable"},"port":{"$ref":"#/$defs/dnsPort"},"domain":{"$ref":"#/$defs/dnsDomain"},"resolvConf":{"$ref":"#/$defs/dnsResolvConf"}},"examples":[{"domain":"mesh","resolvConf":"auto"}]};

function validate32(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate32.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((((key0 === "enable") || (key0 === "port")) || (key0 === "domain")) || (key0 === "resolvConf"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.enable !== undefined){
if(typeof data.enable !== "boolean"){
const err1 = {instancePath:instancePath+"/enable",schemaPath:"#/$defs/dnsEnable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.port !== undefined){
let data1 = data.port;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err2 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/dnsPort/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 65535 || isNaN(data1)){
const err3 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/dnsPort/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data1 < 1 || isNaN(data1)){
const err4 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/dnsPort/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
if(data.domain !== undefined){
if(typeof data.domain !== "string"){
const err5 = {instancePath:instancePath+"/domain",schemaPath:"#/$defs/dnsDomain/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.resolvConf !== undefined){
let data3 = data.resolvConf;
if(!(((data3 === "auto") || (data3 === true)) || (data3 === false))){
const err6 = {instancePath:instancePath+"/resolvConf",schemaPath:"#/$defs/dnsResolvConf/enum",keyword:"enum",params:{allowedValues: schema40.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate32.errors = vErrors;
return errors === 0;
}
validate32.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate31(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate31.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func1.call(schema56.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.ports !== undefined){
let data0 = data.ports;
if(Array.isArray(data0)){
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
let data1 = data0[i0];
if(typeof data1 === "string"){
if(!pattern5.test(data1)){
const err1 = {instancePath:instancePath+"/ports/" + i0,schemaPath:"#/$defs/ports/items/pattern",keyword:"pattern",params:{pattern: "^[0-9]+:(?:[^:\\s\\[\\]]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]+(?:/(?:tcp|udp))?$"},message:"must match pattern \""+"^[0-9]+:(?:[^:\\s\\[\\]]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]+(?:/(?:tcp|udp))?$"+"\""};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/ports/" + i0,schemaPath:"#/$defs/ports/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
else {
const err3 = {instancePath:instancePath+"/ports",schemaPath:"#/$defs/ports/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.dns !== undefined){
if(!(validate32(data.dns, {instancePath:instancePath+"/dns",parentData:data,parentDataProperty:"dns",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate32.errors : vErrors.concat(validate32.errors);
errors = vErrors.length;
}
}
if(data.writeEtcHosts !== undefined){
if(typeof data.writeEtcHosts !== "boolean"){
const err4 = {instancePath:instancePath+"/writeEtcHosts",schemaPath:"#/$defs/writeEtcHosts/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.bootstrap !== undefined){
if(typeof data.bootstrap !== "boolean"){
const err5 = {instancePath:instancePath+"/bootstrap",schemaPath:"#/$defs/bootstrap/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.bootstrapCache !== undefined){
let data5 = data.bootstrapCache;
if(typeof data5 === "string"){
if(!pattern6.test(data5)){
const err6 = {instancePath:instancePath+"/bootstrapCache",schemaPath:"#/$defs/bootstrapCache/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\""};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/bootstrapCache",schemaPath:"#/$defs/bootstrapCache/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.bootstrapRuntime !== undefined){
let data6 = data.bootstrapRuntime;
if(typeof data6 === "string"){
if(!pattern6.test(data6)){
const err8 = {instancePath:instancePath+"/bootstrapRuntime",schemaPath:"#/$defs/bootstrapRuntime/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\""};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/bootstrapRuntime",schemaPath:"#/$defs/bootstrapRuntime/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.http !== undefined){
if(!(validate24(data.http, {instancePath:instancePath+"/http",parentData:data,parentDataProperty:"http",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate24.errors : vErrors.concat(validate24.errors);
errors = vErrors.length;
}
}
if(data.socks !== undefined){
if(!(validate26(data.socks, {instancePath:instancePath+"/socks",parentData:data,parentDataProperty:"socks",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.loopback !== undefined){
let data9 = data.loopback;
if(data9 && typeof data9 == "object" && !Array.isArray(data9)){
for(const key1 in data9){
if(!(key1 === "disable")){
const err10 = {instancePath:instancePath+"/loopback",schemaPath:"#/$defs/loopback/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data9.disable !== undefined){
if(typeof data9.disable !== "boolean"){
const err11 = {instancePath:instancePath+"/loopback/disable",schemaPath:"#/$defs/loopback/properties/disable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath:instancePath+"/loopback",schemaPath:"#/$defs/loopback/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.stateDir !== undefined){
let data11 = data.stateDir;
if(data11 && typeof data11 == "object" && !Array.isArray(data11)){
for(const key2 in data11){
if(!((key2 === "pathOnAgent") || (key2 === "disable"))){
const err13 = {instancePath:instancePath+"/stateDir",schemaPath:"#/$defs/stateDir/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data11.pathOnAgent !== undefined){
if(typeof data11.pathOnAgent !== "string"){
const err14 = {instancePath:instancePath+"/stateDir/pathOnAgent",schemaPath:"#/$defs/stateDir/properties/pathOnAgent/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data11.disable !== undefined){
if(typeof data11.disable !== "boolean"){
const err15 = {instancePath:instancePath+"/stateDir/disable",schemaPath:"#/$defs/stateDir/properties/disable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/stateDir",schemaPath:"#/$defs/stateDir/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.discover !== undefined){
if(!(validate28(data.discover, {instancePath:instancePath+"/discover",parentData:data,parentDataProperty:"discover",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate28.errors : vErrors.concat(validate28.errors);
errors = vErrors.length;
}
}
}
else {
const err17 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
validate31.errors = vErrors;
return errors === 0;
}
validate31.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema69 = {"title":"Routes","description":"Destinations outside the mesh that the proxies may reach, and the host that dials them on its own network (the \"VPN-ish\" mode: every service of a Docker network or a VPC through one bastion). A proxy request that is not for a host of the mesh follows the most specific matching route (longest prefix for CIDRs; for host-name globs, the most literal characters; the first listed on a tie), or is refused. Only the `via` host dials, and only what its routes allow.","type":"array","items":{"$ref":"#/$defs/route"},"examples":[[{"via":"bastion","to":["10.0.0.0/8","*.internal"]}]]};
const schema70 = {"title":"Route","description":"One route: connections to any of `to` leave the mesh at host `via`.","type":"object","additionalProperties":false,"required":["via","to"],"properties":{"via":{"type":"string","description":"The host that dials these destinations on its own network: its name, or its VIP (as the original NoRouter allowed)."},"to":{"type":"array","minItems":1,"description":"IPv4 CIDRs (`10.0.0.0/8`, or one address) and host-name globs (`*.internal`, `db-?`, `*` for every name; `*` matches any characters, dots included, `?` one). Names are passed to the `via` host, which resolves them itself.","items":{"type":"string"}}},"examples":[{"via":"bastion","to":["172.18.0.0/16","*.svc.cluster.local"]}]};

function validate38(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate38.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(Array.isArray(data)){
const len0 = data.length;
for(let i0=0; i0<len0; i0++){
let data0 = data[i0];
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
if(data0.via === undefined){
const err0 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/route/required",keyword:"required",params:{missingProperty: "via"},message:"must have required property '"+"via"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data0.to === undefined){
const err1 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/route/required",keyword:"required",params:{missingProperty: "to"},message:"must have required property '"+"to"+"'"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data0){
if(!((key0 === "via") || (key0 === "to"))){
const err2 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/route/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data0.via !== undefined){
if(typeof data0.via !== "string"){
const err3 = {instancePath:instancePath+"/" + i0+"/via",schemaPath:"#/$defs/route/properties/via/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data0.to !== undefined){
let data2 = data0.to;
if(Array.isArray(data2)){
if(data2.length < 1){
const err4 = {instancePath:instancePath+"/" + i0+"/to",schemaPath:"#/$defs/route/properties/to/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
const len1 = data2.length;
for(let i1=0; i1<len1; i1++){
if(typeof data2[i1] !== "string"){
const err5 = {instancePath:instancePath+"/" + i0+"/to/" + i1,schemaPath:"#/$defs/route/properties/to/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/" + i0+"/to",schemaPath:"#/$defs/route/properties/to/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/route/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate38.errors = vErrors;
return errors === 0;
}
validate38.evaluated = {"items":true,"dynamicProps":false,"dynamicItems":false};

const pattern11 = new RegExp("^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$", "u");

function validate20(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://norouter.invalid/schema/manifest.schema.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate20.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.hosts === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "hosts"},message:"must have required property '"+"hosts"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((((key0 === "hosts") || (key0 === "hostTemplate")) || (key0 === "routes")) || (key0 === "keepalive")) || (key0 === "metrics")) || (key0 === "udp"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.hosts !== undefined){
let data0 = data.hosts;
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
if(Object.keys(data0).length < 1){
const err2 = {instancePath:instancePath+"/hosts",schemaPath:"#/properties/hosts/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key1 in data0){
if(!(validate21(data0[key1], {instancePath:instancePath+"/hosts/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data0,parentDataProperty:key1,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
}
}
else {
const err3 = {instancePath:instancePath+"/hosts",schemaPath:"#/properties/hosts/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.hostTemplate !== undefined){
if(!(validate31(data.hostTemplate, {instancePath:instancePath+"/hostTemplate",parentData:data,parentDataProperty:"hostTemplate",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate31.errors : vErrors.concat(validate31.errors);
errors = vErrors.length;
}
}
if(data.routes !== undefined){
if(!(validate38(data.routes, {instancePath:instancePath+"/routes",parentData:data,parentDataProperty:"routes",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate38.errors : vErrors.concat(validate38.errors);
errors = vErrors.length;
}
}
if(data.keepalive !== undefined){
let data4 = data.keepalive;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
for(const key2 in data4){
if(!((key2 === "interval") || (key2 === "timeout"))){
const err4 = {instancePath:instancePath+"/keepalive",schemaPath:"#/$defs/keepalive/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data4.interval !== undefined){
let data5 = data4.interval;
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 > 3600 || isNaN(data5)){
const err5 = {instancePath:instancePath+"/keepalive/interval",schemaPath:"#/$defs/keepalive/properties/interval/maximum",keyword:"maximum",params:{comparison: "<=", limit: 3600},message:"must be <= 3600"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(data5 < 0.05 || isNaN(data5)){
const err6 = {instancePath:instancePath+"/keepalive/interval",schemaPath:"#/$defs/keepalive/properties/interval/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0.05},message:"must be >= 0.05"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/keepalive/interval",schemaPath:"#/$defs/keepalive/properties/interval/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data4.timeout !== undefined){
let data6 = data4.timeout;
if((typeof data6 == "number") && (isFinite(data6))){
if(data6 > 3600 || isNaN(data6)){
const err8 = {instancePath:instancePath+"/keepalive/timeout",schemaPath:"#/$defs/keepalive/properties/timeout/maximum",keyword:"maximum",params:{comparison: "<=", limit: 3600},message:"must be <= 3600"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
if(data6 < 0.1 || isNaN(data6)){
const err9 = {instancePath:instancePath+"/keepalive/timeout",schemaPath:"#/$defs/keepalive/properties/timeout/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0.1},message:"must be >= 0.1"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/keepalive/timeout",schemaPath:"#/$defs/keepalive/properties/timeout/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/keepalive",schemaPath:"#/$defs/keepalive/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.metrics !== undefined){
let data7 = data.metrics;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
if(data7.listen === undefined){
const err12 = {instancePath:instancePath+"/metrics",schemaPath:"#/$defs/metrics/required",keyword:"required",params:{missingProperty: "listen"},message:"must have required property '"+"listen"+"'"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
for(const key3 in data7){
if(!(key3 === "listen")){
const err13 = {instancePath:instancePath+"/metrics",schemaPath:"#/$defs/metrics/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data7.listen !== undefined){
let data8 = data7.listen;
if(typeof data8 === "string"){
if(!pattern11.test(data8)){
const err14 = {instancePath:instancePath+"/metrics/listen",schemaPath:"#/$defs/metrics/properties/listen/pattern",keyword:"pattern",params:{pattern: "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$"},message:"must match pattern \""+"^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$"+"\""};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/metrics/listen",schemaPath:"#/$defs/metrics/properties/listen/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/metrics",schemaPath:"#/$defs/metrics/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.udp !== undefined){
let data9 = data.udp;
if(data9 && typeof data9 == "object" && !Array.isArray(data9)){
for(const key4 in data9){
if(!((key4 === "idleTimeout") || (key4 === "maxFlows"))){
const err17 = {instancePath:instancePath+"/udp",schemaPath:"#/$defs/udp/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data9.idleTimeout !== undefined){
let data10 = data9.idleTimeout;
if((typeof data10 == "number") && (isFinite(data10))){
if(data10 > 86400 || isNaN(data10)){
const err18 = {instancePath:instancePath+"/udp/idleTimeout",schemaPath:"#/$defs/udp/properties/idleTimeout/maximum",keyword:"maximum",params:{comparison: "<=", limit: 86400},message:"must be <= 86400"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(data10 < 0.05 || isNaN(data10)){
const err19 = {instancePath:instancePath+"/udp/idleTimeout",schemaPath:"#/$defs/udp/properties/idleTimeout/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0.05},message:"must be >= 0.05"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/udp/idleTimeout",schemaPath:"#/$defs/udp/properties/idleTimeout/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data9.maxFlows !== undefined){
let data11 = data9.maxFlows;
if(!(((typeof data11 == "number") && (!(data11 % 1) && !isNaN(data11))) && (isFinite(data11)))){
const err21 = {instancePath:instancePath+"/udp/maxFlows",schemaPath:"#/$defs/udp/properties/maxFlows/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
if((typeof data11 == "number") && (isFinite(data11))){
if(data11 > 65536 || isNaN(data11)){
const err22 = {instancePath:instancePath+"/udp/maxFlows",schemaPath:"#/$defs/udp/properties/maxFlows/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65536},message:"must be <= 65536"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
if(data11 < 1 || isNaN(data11)){
const err23 = {instancePath:instancePath+"/udp/maxFlows",schemaPath:"#/$defs/udp/properties/maxFlows/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
}
else {
const err24 = {instancePath:instancePath+"/udp",schemaPath:"#/$defs/udp/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
validate20.errors = vErrors;
return errors === 0;
}
validate20.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};
