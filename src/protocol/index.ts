/** The wire protocol (docs/protocol.md), sans-IO: bytes in, frames out. */
export * from './constants.js';
export * from './errors.js';
export * from './reasons.js';
export * from './frame.js';
export * from './encode.js';
export * from './decode.js';
export * from './control.js';
export * from './tcp.js';
export * from './tuple.js';
export * from './stream-rules.js';
export * from './agent-config-check.js';
export * from './udp.js';
