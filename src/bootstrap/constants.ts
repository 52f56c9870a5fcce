/**
 * The bootstrap stream (docs/protocol.md §12): what the router writes on a bootstrap
 * host's stdin before the protocol frames, and what the loader (loader.ts) on the host's command
 * line reads.
 *
 *   [8]  magic "NRBOOT1\n"                  tells a bootstrap stream from anything else
 *   u32  payload length, little-endian     the loader reads exactly this many bytes
 *   [32] sha256 of the payload             a stream cut short or mangled is refused
 *   payload: dist/norouter.cjs, gzipped     then the protocol frames (docs/protocol.md), at once
 */

export const BOOTSTRAP_MAGIC = 'NRBOOT1\n';
export const BOOTSTRAP_HEADER_LENGTH = 8 + 4 + 32;
/**
 * The largest payload a loader accepts. The single-file CLI gzips to ~130 KiB; a header claiming
 * more is not ours, and the loader must not buffer a whole stream on the strength of it.
 */
export const BOOTSTRAP_MAX_PAYLOAD = 16 * 1024 * 1024;

/** package.json's engines: older Node cannot run the agent (ESM-only chokidar, getBuiltinModule). */
export const MIN_NODE = { major: 20, minor: 19 } as const;
export const MIN_NODE_TEXT = `${MIN_NODE.major}.${MIN_NODE.minor}`;

/** The loader's exit status when the host's node is older than MIN_NODE (sysexits EX_CONFIG). */
export const EXIT_NODE_TOO_OLD = 78;
/** The loader's exit status when the stream is cut off, not a bootstrap, or corrupt (EX_PROTOCOL). */
export const EXIT_BOOTSTRAP_BROKEN = 76;

/*
 * The shell route's exit statuses (shell-script.ts, docs/protocol.md §12.1): one per host
 * problem, so that the router's diagnosis (diagnose.ts) and its retry policy can tell them apart.
 */
/** The host's CPU is not the router's, and it has no suitable node. */
export const EXIT_WRONG_ARCH = 81;
/** No cache directory is writable, private and allows exec (read-only root, noexec /tmp). */
export const EXIT_NO_CACHE_DIR = 82;
/** A tool the runtime transfer needs (dd, gzip, tar, sha256sum) is missing. */
export const EXIT_NO_TOOL = 83;
/** The runtime arrived incomplete or did not match its hashes. */
export const EXIT_RUNTIME_DAMAGED = 84;
/** The runtime could not be written (disk full). */
export const EXIT_RUNTIME_WRITE = 85;
/** The host needs the router's runtime and the router has none to send (not Linux, unreadable). */
export const EXIT_NO_RUNTIME = 86;
/** What starts each line the shell script writes to the router before the agent runs. */
export const SHELL_LINE_PREFIX = 'NRSH1';

/**
 * Set by the loader before it runs the bundle: the code-cache loader (scripts/code-cache-loader.mjs)
 * then neither reads nor writes ~/.cache/norouter, so a bootstrap writes nothing on the host.
 */
export const BOOTSTRAP_GLOBAL = '__norouterBootstrap';
/** What the bundle sees as its file name (stack traces) and process.argv[1]. */
export const BOOTSTRAP_FILENAME = 'norouter-bootstrap.cjs';
