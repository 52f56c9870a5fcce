/**
 * Can this machine give the demo an unprivileged network namespace? Ubuntu's AppArmor
 * restriction, containers without user namespaces and `user.max_user_namespaces=0` all refuse
 * in different ways (unshare fails, or succeeds without the capabilities to bring `lo` up), so
 * the probe does exactly what a demo host will do: unshare, then `ip link set lo up`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** unshare's flags for a demo host: see host-script.ts for why each is there. */
export const UNSHARE_FLAGS = ['--user', '--map-root-user', '--net', '--pid', '--fork', '--kill-child'] as const;

/** `ip` lives in /usr/sbin or /sbin, which a normal user's PATH often lacks. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return dirs.filter(Boolean).map((d) => `${d}/${name}`).find((p) => existsSync(p));
}

export type Probe = { ok: true; unshare: string; ip: string } | { ok: false; reason: string };

export async function probeUserNetns(): Promise<Probe> {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces are a Linux feature (this is ${process.platform})` };
  const unshare = findExecutable('unshare');
  if (!unshare) return { ok: false, reason: '`unshare` (util-linux) is not installed' };
  const ip = findExecutable('ip');
  if (!ip) return { ok: false, reason: '`ip` (iproute2) is not installed' };
  return new Promise((resolve) => {
    execFile(unshare, [...UNSHARE_FLAGS, ip, 'link', 'set', 'lo', 'up'], { timeout: 5000 }, (error, _stdout, stderr) => {
      if (!error) return resolve({ ok: true, unshare, ip });
      const why = stderr.trim().split('\n').pop() || error.message;
      resolve({ ok: false, reason: `this system refuses unprivileged network namespaces (\`unshare -rn\`: ${why})` });
    });
  });
}
