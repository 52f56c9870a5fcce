/**
 * One run of a host's agent command: the child process, its stderr shown line by line with the
 * host name, and how it ended. No shell: the plan's argv is spawned as is.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { LineSplitter } from './line-splitter.js';
import { AgentStartError } from './errors.js';

/** How long an exited command's pipes may stay open (held by what it left behind) before they are closed. */
export const PIPE_DRAIN_MS = 1_000;

export interface ProcessEnd {
  /** Set when the command could not be started at all. */
  startError?: AgentStartError;
  code: number | null;
  signal: NodeJS.Signals | null;
  lastLines: string[];
}

export class AgentProcess {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly ended: Promise<ProcessEnd>;
  readonly startedAt = Date.now();
  private readonly lines: LineSplitter;

  /**
   * `stdinPrefix` is written to the agent's stdin before anything else: a bootstrap host's agent
   * code (docs/protocol.md §12, src/bootstrap/payload.ts), ahead of the HELLO that HostLink queues.
   */
  constructor(host: string, argv: readonly string[], onStderrLine: (line: string) => void, stdinPrefix?: Buffer) {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error(`Assertion failed: host ${host} has an empty argv`);
    this.lines = new LineSplitter(onStderrLine);
    // Its own process group (detached: setsid), so that a kill reaches whatever the command
    // started too, and a Ctrl-C at the terminal reaches only the router, which then stops every
    // agent in order (closing their input first).
    this.child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true, detached: true });
    this.child.stderr.on('data', (chunk: Buffer) => this.lines.push(chunk));
    // EPIPE on stdin when the agent is gone is reported through its exit, not as an error.
    this.child.stdin.on('error', () => {});
    if (stdinPrefix) this.child.stdin.write(stdinPrefix);
    this.ended = new Promise((resolve) => {
      let startError: AgentStartError | undefined;
      this.child.on('error', (error: NodeJS.ErrnoException) => {
        if (this.child.pid === undefined) startError = new AgentStartError(host, argv, error);
      });
      // 'close' comes after the stdio streams are drained, so the last stderr lines are in. But
      // a process the command left behind (`sh -c 'x & exec norouter …'`) may hold them open for
      // ever: once the command itself has exited, its pipes get PIPE_DRAIN_MS, then are closed.
      let drain: NodeJS.Timeout | undefined;
      this.child.once('exit', () => {
        // What the command left running in its group (a server started beside the agent) goes
        // with it: the router leaves no process behind.
        this.kill('SIGTERM');
        drain = setTimeout(() => {
          for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) stream.destroy();
        }, PIPE_DRAIN_MS);
      });
      this.child.on('close', (code, signal) => {
        clearTimeout(drain);
        this.lines.flush();
        resolve({ ...(startError ? { startError } : {}), code, signal, lastLines: this.lines.lastLines() });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Closes the agent's stdin: a well-behaved agent exits on its own (docs/protocol.md §9). */
  closeInput(): void {
    this.child.stdin.end();
  }

  /** Signals the command and its whole process group (what it left behind included). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}

export function describeEnd(end: ProcessEnd, upForMs: number): string {
  if (end.startError) return end.startError.message;
  const how = end.signal ? `was killed by ${end.signal}` : `exited with status ${end.code}`;
  return `${how} after ${(upForMs / 1000).toFixed(1)} s`;
}
