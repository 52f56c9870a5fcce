/**
 * Nothing the router started outlives it, even when it is killed with SIGKILL (docs/reliability.md,
 * "Processes that outlive the router"). Every agent runs in its own process group (agent-process.ts);
 * an agent exits when its stdin closes, but what its command started beside it does not: a
 * wrapper such as `sh -c 'setup; node … ; sleep 25'` goes on to its `sleep`, a helper started in
 * the background keeps running. Linux offers no way for a process to take its descendants along
 * when it dies (PR_SET_PDEATHSIG covers one child and is not inherited; Node cannot call prctl).
 *
 * So the router starts one small watchdog process, in its own session (a Ctrl-C or a kill of the
 * router's group does not reach it), holding a pipe from the router. The router tells it each
 * agent's process group as it starts (`+PGID`) and ends (`-PGID`). When the pipe reaches EOF,
 * because the router exited or died, the watchdog sends SIGTERM to every group still registered
 * (an agent stops cleanly on it, restoring what it changed), waits up to WATCHDOG_GRACE_MS for
 * them to go, sends SIGKILL to what is left, and exits.
 *
 * What it cannot do: reach a process that left its group (a daemon that calls setsid), or anything
 * on the far side of `ssh` or `kubectl exec` (there the agent exits when its stdin closes; what
 * else the remote command started is up to that command).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/** How long registered groups get between SIGTERM and SIGKILL once the router is gone. */
export const WATCHDOG_GRACE_MS = 3_000;

// Runs as `node -e`: plain JavaScript, no imports but node's own.
const SOURCE = `
const groups = new Set();
let pending = '';
for (const s of ['SIGINT', 'SIGHUP', 'SIGPIPE']) process.on(s, () => {});
process.stdin.setEncoding('latin1');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\\n')) !== -1) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    const pgid = Number(line.slice(1));
    if (!Number.isSafeInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid);
    else if (line[0] === '-') groups.delete(pgid);
  }
});
const signal = (name) => {
  for (const pgid of groups) {
    try { process.kill(-pgid, name); } catch { groups.delete(pgid); }
  }
};
process.stdin.on('end', () => {
  if (groups.size === 0) process.exit(0);
  signal('SIGTERM');
  const deadline = Date.now() + ${WATCHDOG_GRACE_MS};
  setInterval(() => {
    signal(0);
    if (groups.size === 0) process.exit(0);
    if (Date.now() >= deadline) {
      signal('SIGKILL');
      process.exit(0);
    }
  }, 50);
});
`;

export class Watchdog {
  private readonly child: ChildProcess;
  private readonly input: Socket;

  constructor() {
    this.child = spawn(process.execPath, ['-e', SOURCE], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, windowsHide: true });
    this.input = this.child.stdin as Socket;
    // It must not keep the router alive, nor fail it: a watchdog that could not start (or died)
    // only means less protection, and the router's own stop still ends every group.
    this.child.on('error', () => {});
    this.input.on('error', () => {});
    this.child.unref();
    this.input.unref();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  add(pgid: number): void {
    this.write(`+${pgid}\n`);
  }

  remove(pgid: number): void {
    this.write(`-${pgid}\n`);
  }

  /** A clean stop: every group has been removed; the watchdog exits at EOF with nothing to do. */
  close(): void {
    if (!this.input.destroyed) this.input.end();
  }

  private write(line: string): void {
    if (!this.input.destroyed && !this.input.writableEnded) this.input.write(line);
  }
}
