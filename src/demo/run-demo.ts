/**
 * `norouter demo` (`npm start`): a mesh on any Linux machine with no Docker, no root and no
 * network. The local host plus two hosts that each live in an unprivileged user+network
 * namespace (a fresh loopback, as in a container), each with a real web service. Where the system
 * refuses unprivileged namespaces, two hosts on this machine's own network instead, and it says
 * so. Writes the manifest to a temp dir, runs the router on it (injected: `run`), prints the curl
 * commands once each one has been seen to work, and removes the temp dir on the way out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Writable } from 'node:stream';
import { boundPort, serveDemoHttp } from './demo-http.js';
import { DEMO_PORT, DEMO_VIPS, curlCommands, manifestYaml, type DemoHost } from './demo-manifest.js';
import { hostCmd, hostScript } from './host-script.js';
import { probeUserNetns, type Probe } from './probe-userns.js';

export interface DemoIo {
  stdout: Writable;
  stderr: Writable;
  /** The command that starts this program (node and the CLI script), for the hosts' agents. */
  self: readonly string[];
  /** Runs the router on a manifest until SIGINT/SIGTERM; resolves with its exit code. */
  run(manifestPath: string): Promise<number>;
  /** Whether unprivileged namespaces work here (injectable to force the fallback). */
  probe?: () => Promise<Probe>;
  /** Three VIPs instead of DEMO_VIPS: concurrent demos (tests) must not share addresses. */
  vips?: readonly [string, string, string];
}

/** How long the hosts get to answer through the mesh before the demo says something is wrong. */
const READY_TIMEOUT_MS = 20_000;
/** Between polls: each failed poll is a line in the router's log, so not too often. */
const POLL_INTERVAL_MS = 250;

export async function runDemo(io: DemoIo): Promise<number> {
  const say = (line: string) => io.stdout.write(`norouter demo: ${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'norouter-demo-'));
  // Last resort for an exit that skips `finally` (process.exit elsewhere).
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const servers: Server[] = [];
  let routerDone = false;
  try {
    const probe = await (io.probe ?? probeUserNetns)();
    const hosts = await buildHosts(probe, dir, io.self, io.vips ?? DEMO_VIPS, servers);
    if (probe.ok) {
      say('web1 and web2 each run in their own unprivileged network namespace (unshare --user --net): ' +
        'their 127.0.0.1 is not this machine\'s, and they reach the others only through norouter.');
    } else {
      say(`no network namespaces: ${probe.reason}.`);
      say('Falling back to two hosts on this machine\'s own network, on distinct VIPs. The mesh works the same; ' +
        'both agents share one loopback, so each VIP port is bound by one of them and the other logs that it cannot listen there.');
    }
    for (const h of hosts) say(`  ${h.name.padEnd(6)} ${h.vip}  ${h.where}`);
    const manifestPath = join(dir, 'demo.yaml');
    writeFileSync(manifestPath, manifestYaml(hosts));
    say(`manifest: ${manifestPath}`);

    const running = io.run(manifestPath).finally(() => {
      routerDone = true;
    });
    void announceWhenReachable(hosts, () => routerDone).then((problem) => {
      if (routerDone) return;
      if (problem) {
        say(`not every host answered within ${READY_TIMEOUT_MS / 1000} s: ${problem}`);
        return;
      }
      say('ready. Each host\'s service answers at its VIP; try, from another terminal:');
      for (const line of curlCommands(hosts)) io.stdout.write(`  ${line}\n`);
      say('Ctrl-C stops the mesh and removes everything the demo made.');
    });
    return await running;
  } finally {
    routerDone = true;
    for (const server of servers) {
      server.close();
      server.closeAllConnections();
    }
    removeDir();
    process.off('exit', removeDir);
  }
}

async function buildHosts(
  probe: Probe, dir: string, self: readonly string[], vips: readonly [string, string, string], servers: Server[],
): Promise<DemoHost[]> {
  const [vip0, vip1, vip2] = vips;
  const local = await serveDemoHttp('127.0.0.1', 0, 'hello from laptop, the machine the router runs on\n');
  servers.push(local);
  const laptop: DemoHost = { name: 'laptop', vip: vip0, servicePort: boundPort(local), body: 'hello from laptop, the machine the router runs on\n', where: 'this machine (the router\'s own host)' };
  if (!probe.ok) {
    const body = 'hello from web1, a second agent on this machine\n';
    const server = await serveDemoHttp('127.0.0.1', 0, body);
    servers.push(server);
    return [laptop, { name: 'web1', vip: vip1, cmd: [...self], servicePort: boundPort(server), body, where: 'a second agent on this machine' }];
  }
  const hosts = [laptop];
  for (const [name, vip] of [['web1', vip1], ['web2', vip2]] as const) {
    const body = `hello from ${name}, inside its own network namespace\n`;
    const script = join(dir, `${name}.sh`);
    // Port 80: root inside its user namespace may bind it, though we are not root outside.
    writeFileSync(script, hostScript({ name, ip: probe.ip, self, port: 80, body }));
    hosts.push({ name, vip, cmd: hostCmd(probe.unshare, script), servicePort: 80, body, where: `its own network namespace (${script})` });
  }
  return hosts;
}

/** Polls every host's VIP from here until each answers with its body; returns a problem or undefined. */
async function announceWhenReachable(hosts: readonly DemoHost[], stopped: () => boolean): Promise<string | undefined> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let problem = '';
  for (const host of hosts) {
    for (;;) {
      if (stopped()) return 'stopped';
      const url = `http://${host.vip}:${DEMO_PORT}/`;
      problem = await fetchBody(url).then(
        (body) => (body === host.body ? '' : `${url} answered "${body.trim()}"`),
        (error: Error) => `${url}: ${error.message}`,
      );
      if (!problem) break;
      if (Date.now() > deadline) return problem;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }
  return undefined;
}

function fetchBody(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 2 s')));
    req.on('error', reject);
  });
}
