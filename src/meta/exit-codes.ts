/** Exit codes of every command (README "Exit codes"). */
export const EXIT_OK = 0;
/** Bad input: an invalid manifest, a file that cannot be read, a host that cannot start. */
export const EXIT_BAD_INPUT = 1;
/** Bad usage: unknown command or option, missing argument. */
export const EXIT_USAGE = 2;
/** A bug in norouter (printed with its stack trace); sysexits' EX_SOFTWARE. */
export const EXIT_BUG = 70;
/** `status`: a mesh answered, and some host of it is not up (starting, down or given up on). */
export const EXIT_NOT_UP = 3;
/** `status`, `top`: no mesh is running (for FILE: that one), or none answered. */
export const EXIT_NO_MESH = 4;
