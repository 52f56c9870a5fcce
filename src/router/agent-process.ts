/**
 * One run of a host's agent command: the child process, its stderr shown line by line with the
 * host name, and how it ended. No shell: the plan's argv is spawned as is (issue 3).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { LineSplitter } from './line-splitter.js';
import { AgentStartError } from './errors.js';

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
   * `stdinPrefix` is written to the agent's stdin before anything else: a bootstrap host's
   * agent code (issue 7, src/bootstrap/payload.ts), ahead of the HELLO that HostLink queues.
   */
  constructor(host: string, argv: readonly string[], onStderrLine: (line: string) => void, stdinPrefix?: Buffer) {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error(`Assertion failed: host ${host} has an empty argv`);
    this.lines = new LineSplitter(onStderrLine);
    this.child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.child.stderr.on('data', (chunk: Buffer) => this.lines.push(chunk));
    // EPIPE on stdin when the agent is gone is reported through its exit, not as an error.
    this.child.stdin.on('error', () => {});
    if (stdinPrefix) this.child.stdin.write(stdinPrefix);
    this.ended = new Promise((resolve) => {
      let startError: AgentStartError | undefined;
      this.child.on('error', (error: NodeJS.ErrnoException) => {
        if (this.child.pid === undefined) startError = new AgentStartError(host, argv, error);
      });
      // 'close' comes after the stdio streams are drained, so the last stderr lines are in.
      this.child.on('close', (code, signal) => {
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

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

export function describeEnd(end: ProcessEnd, upForMs: number): string {
  if (end.startError) return end.startError.message;
  const how = end.signal ? `was killed by ${end.signal}` : `exited with status ${end.code}`;
  return `${how} after ${(upForMs / 1000).toFixed(1)} s`;
}
