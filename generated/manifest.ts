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
 * The command that starts norouter on the host with its stdin and stdout joined to the router, for example `docker exec -i NAME norouter`, `kubectl exec -i POD -- norouter` or `ssh USER@HOST -- norouter`. norouter appends `internal agent …` to it. Either a list of arguments or one string split like a shell would (quotes and backslashes honoured; no variables, globs or pipes). Leave it out for the host norouter itself runs on: at most one host may do so.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "cmd".
 */
export type Cmd = [string, ...string[]] | string;
/**
 * Ports this host publishes, each `LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp]`: a connection to VIP:LISTEN from any host is carried to this host, which connects to CONNECT_HOST:CONNECT_PORT on its own network. CONNECT_HOST is an IPv4 address or a host name resolved on this host. TCP is the only protocol.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "ports".
 */
export type Ports = string[];

/**
 * A norouter manifest: the hosts of one virtual loopback network, how to reach each (the command whose stdin and stdout carry its traffic), its virtual IP, and the ports it publishes.
 */
export interface Manifest {
  hosts: Hosts;
  hostTemplate?: HostTemplate;
}
/**
 * The hosts of the network, by name. The name is a DNS label (letters, digits and hyphens, at most 63 characters) because hosts become DNS names. Order matters: plans and logs follow it.
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
}
/**
 * Defaults for every host. Its `ports` are prepended to every host's own `ports`.
 *
 * This interface was referenced by `Manifest`'s JSON-Schema
 * via the `definition` "hostTemplate".
 */
export interface HostTemplate {
  ports?: Ports;
}
