/** The connection multiplexer (docs/protocol.md §5, §6), sans-IO. */
export type { ConnState, MuxConnection, Role } from './connection.js';
export * from './mux.js';
export * from './ports.js';
export * from './peer-violation.js';
