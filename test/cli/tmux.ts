/**
 * A real terminal for CLI tests: a tmux server of the test's own (its own socket, so nothing of
 * anyone else's is touched), one window running one command, keys typed with send-keys and the
 * screen read with capture-pane. bash runs the command and prints its exit status on the screen:
 * tmux's own #{pane_dead_status} stayed empty when the tmux server was started from node. bash
 * (not sh) because on Ctrl-C it waits for a command that handles SIGINT and exits by itself, and
 * then goes on. Every wait polls the screen with a deadline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

export const TMUX_SKIP = which('tmux') ? false : 'tmux is not installed';

export class Terminal {
  private readonly dir = mkdtempSync(join(tmpdir(), 'norouter-tmux-'));
  private readonly socket = join(this.dir, 'socket');

  /** Starts `argv` (run without a shell) in a 120x40 terminal, with `env` added to tmux's. */
  constructor(argv: readonly string[], env: Record<string, string> = {}) {
    const conf = join(this.dir, 'tmux.conf');
    writeFileSync(conf, 'set -g remain-on-exit on\nset -g history-limit 5000\n');
    const wrapped = ['bash', '-c', '"$@"; echo "[exit $?]"', 'bash', ...argv];
    this.tmux(['-f', conf, 'new-session', '-d', '-x', '120', '-y', '40', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), ...wrapped]);
  }

  /** The screen and its scrollback, as text; with `escapes`, the colours as SGR sequences too. */
  screen(options: { escapes?: boolean } = {}): string {
    return this.tmux(['capture-pane', '-p', '-J', ...(options.escapes ? ['-e'] : []), '-S', '-']).replace(/\n+$/, '\n');
  }

  /** Types keys: tmux key names such as `Enter` and `C-c`, or literal text with `literal`. */
  keys(...keys: string[]): void {
    this.tmux(['send-keys', ...keys]);
  }

  literal(text: string): void {
    this.tmux(['send-keys', '-l', text]);
  }

  async waitForText(regex: RegExp, timeoutMs: number): Promise<string> {
    let last = '';
    try {
      return await waitFor(() => {
        last = this.screen();
        return regex.test(last) ? last : undefined;
      }, { timeoutMs, intervalMs: 100, what: `${regex} on the terminal` });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- screen ---\n${last}`);
    }
  }

  /** The exit status of the command, once it has exited. */
  async exitStatus(timeoutMs: number): Promise<number> {
    const status = await waitFor(() => {
      const code = /^\[exit (\d+)\]$/m.exec(this.screen())?.[1];
      return code === undefined ? undefined : { code: Number(code) };
    }, { timeoutMs, intervalMs: 100, what: 'the command in the terminal to exit' }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- screen ---\n${this.screen()}`);
    });
    return status.code;
  }

  /** A tmux format of the pane, such as `#{alternate_on}` (1 while a program uses the alternate screen). */
  format(fmt: string): string {
    return this.tmux(['display-message', '-p', fmt]).trim();
  }

  close(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server'], { stdio: 'ignore', timeout: 5000 });
    rmSync(this.dir, { recursive: true, force: true });
  }

  private tmux(args: readonly string[]): string {
    const r = spawnSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8', timeout: 5000 });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
    return r.stdout;
  }
}
