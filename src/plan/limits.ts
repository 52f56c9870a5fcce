/** Limits on what a plan may hold, shared by validation (E318) and port discovery. */

/**
 * The most bytes one agent's command line may have. Linux refuses a single argument string over
 * 128 KiB (MAX_ARG_STRLEN, 32 pages, its NUL included) with E2BIG, and `ssh HOST CMD…` hands the
 * remote shell the whole command as one string (`$SHELL -c "CMD…"`), as does any `sh -c` wrapper.
 * 8 KiB below that leaves room for what validation cannot see: the local host's own node and
 * script paths, quoting that a wrapper adds, flags added later. (The whole argv and environment
 * share ARG_MAX, a quarter of the stack limit, 2 MiB by default: far above this.)
 */
export const MAX_AGENT_COMMAND_BYTES = 120 * 1024;
