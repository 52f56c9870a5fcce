/** The agent: the IO adapter between local sockets and the link (docs/protocol.md). */
export { runAgent, listenTargets, EXIT_OK, EXIT_LINK_ERROR, type AgentIO, type AgentOptions } from './run-agent.js';
export { LISTEN_BACKLOG } from '../net/listeners.js';
export { DIAL_TIMEOUT_MS } from '../net/bridge.js';
