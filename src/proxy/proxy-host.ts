/**
 * What the proxies need from their agent: where a destination goes (from the current
 * configuration, which CONFIG may replace at any time) and a way to open a mesh connection
 * there. Also the pending end a CONNECT or SOCKS client waits on until OPEN_OK or a refusal.
 */
import type { Socket } from 'node:net';
import type { AbortReason } from '../protocol/index.js';
import type { Bridge, BridgeConnection, LocalEnd, Opened } from '../net/bridge.js';
import type { Decision } from './destination.js';

export type Reachable = Extract<Decision, { kind: 'mesh' | 'route' }>;

/** A connection opened, or why none could be: the bridge's reasons and the agent's. */
export type OpenResult =
  | Opened
  | { ok: false; code: 'shutting-down' | 'router-too-old'; why: string };

export interface ProxyHost {
  readonly bridge: Bridge;
  decide(host: string, port: number): Decision;
  /** Opens a connection to a destination. */
  open(end: LocalEnd, to: Reachable): OpenResult;
  log(line: string): void;
}

/**
 * The end of a tunnel (CONNECT, SOCKS) before OPEN_OK: the client hears success only once the far
 * side dialled, so a refused or unreachable destination is a proper proxy error, not a reset.
 */
export class PendingTunnel implements LocalEnd {
  constructor(
    private readonly onOpened: (conn: BridgeConnection) => void,
    private readonly onRefused: (reason: AbortReason, text: string) => void,
  ) {}

  opened(conn: BridgeConnection): void {
    this.onOpened(conn);
  }

  abort(_conn: BridgeConnection, reason: AbortReason, text: string): void {
    this.onRefused(reason, text);
  }

  // The acceptor sends nothing before OPEN_OK (§5.4), and we send nothing before it either.
  data(): void {}
  end(): void {}
  writable(): void {}
}

/** Opens a tunnel for `client`: success → `ok()` is written, then the socket carries the bytes. */
export function openTunnel(
  host: ProxyHost, client: Socket, to: Reachable, head: Buffer,
  answers: { ok: () => Buffer; refused: (reason: AbortReason, text: string) => Buffer },
): void {
  client.pause();
  client.on('error', () => client.destroy());
  const pending = new PendingTunnel(
    (conn) => {
      if (client.destroyed) {
        host.bridge.abort(conn, 'reset', 'the proxy client left');
        return;
      }
      client.write(answers.ok());
      host.bridge.attach(conn, client, head);
    },
    (reason, text) => {
      host.log(`proxy: ${to.label}: ${reason}${text ? ` (${text})` : ''}`);
      if (!client.destroyed) client.end(answers.refused(reason, text));
    },
  );
  const opened = host.open(pending, to);
  if (!opened.ok) {
    host.log(`proxy: ${to.label}: ${opened.why}`);
    client.end(answers.refused('policy', opened.why));
    return;
  }
  const { conn } = opened;
  // A client that leaves while the far side dials: the dial is aborted.
  client.once('close', () => {
    if (!conn.closed && conn.context === pending) host.bridge.abort(conn, 'reset', 'the proxy client left');
  });
}
