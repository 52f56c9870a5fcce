/**
 * A real sshd on 127.0.0.1 for `ssh … -- norouter` hosts: a throwaway host key and client key
 * in a temp dir, a config that accepts exactly that key, started in the foreground as our
 * child (-D -e) so it dies with the test. Nothing of the machine's own ssh setup is used or
 * changed.
 *
 *   const reason = canRunSshd(); if (reason) return t.skip(reason);
 *   const sshd = await startSshd(); after(() => sshd.stop());
 *   spawn(...sshd.sshCmd('echo', 'ok'))
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { FollowedProcess, runOk, which } from './processes.js';
import { freePort } from './services.js';

export interface Sshd {
  readonly port: number;
  readonly user: string;
  /** The argv of an ssh client logging in with the test key and running `remote…` (ssh joins it with spaces). */
  sshCmd(...remote: string[]): string[];
  /** sshd's own log (stderr), for error messages. */
  log(): string;
  /** Stops sshd (sessions' processes are not ours to kill) and removes the temp dir. */
  stop(): Promise<void>;
}

/** Why sshd cannot run here, or undefined. Print it when skipping. */
export function canRunSshd(): string | undefined {
  if (!which('sshd')) return '`sshd` is not installed (Debian: apt-get install openssh-server)';
  if (!which('ssh') || !which('ssh-keygen')) return '`ssh`/`ssh-keygen` are not installed (Debian: openssh-client)';
  return undefined;
}

/** Starts sshd on a free loopback port and resolves once it has said it listens. */
export async function startSshd(): Promise<Sshd> {
  const sshd = which('sshd');
  if (!sshd) throw new Error(canRunSshd());
  const dir = mkdtempSync(join(tmpdir(), 'nrt-sshd-'));
  try {
    await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'nrt-host', '-f', join(dir, 'host_key')]);
    await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'nrt-client', '-f', join(dir, 'client_key')]);
    copyFileSync(join(dir, 'client_key.pub'), join(dir, 'authorized_keys'));
    // The privilege separation directory: sshd refuses to start as root without it, and a fresh
    // container (or tmpfs /run after a reboot) does not have it.
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
    // A port picked now may be taken before sshd binds it: try a few.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await launch(sshd, dir, await freePort());
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function launch(sshdPath: string, dir: string, port: number): Promise<Sshd> {
  const user = userInfo().username;
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PidFile none',
      'PermitRootLogin yes',
      // The temp dir's owner and modes are not what sshd expects of a home directory.
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PrintMotd no',
      // Agent restarts and concurrent tests open sessions in bursts; the default 10:30:100
      // starts refusing at 10 unauthenticated connections.
      'MaxStartups 100',
      '',
    ].join('\n'),
  );
  // sshd re-executes itself and so must be started by absolute path (which() gives one).
  const proc = new FollowedProcess([sshdPath, '-D', '-e', '-f', config]);
  try {
    await proc.waitForLine(/Server listening on 127\.0\.0\.1 port/, 5000);
  } catch (error) {
    await proc.stop('SIGKILL').catch(() => {});
    throw error;
  }
  const key = join(dir, 'client_key');
  return {
    port,
    user,
    sshCmd: (...remote) => [
      'ssh', '-i', key,
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes',
      '-p', String(port), `${user}@127.0.0.1`, '--', ...remote,
    ],
    log: () => proc.output(),
    async stop() {
      await proc.stop('SIGTERM').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
