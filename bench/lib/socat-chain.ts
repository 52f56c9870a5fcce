/**
 * The mesh bench's reference path (docs/benchmarks.md, "Mesh"): three socat processes joined by
 * their stdio, shaped like agent → router → agent. The first listens in the client's namespace, the
 * second only relays, the third dials the server in the server's namespace:
 *
 *   socat -b B TCP-LISTEN:A,…,fork 'EXEC:socat -b B - EXEC\:hop3'
 *   hop3 (a script): exec nsenter --net=NS2 socat -b B - TCP:127.0.0.1:PORT,nodelay
 *
 * Why not the one-liner `EXEC:"socat - EXEC:'socat - TCP:127.0.0.1:B'"`: socat 1.7.4 honours no
 * quotes inside an address. The outer socat cuts the address at the inner `:` ("wrong number of
 * parameters (2 instead of 1)"); escaped as `\:` it gets through, but EXEC splits its command at
 * every space, quotes or not ("exactly 2 addresses required (there are 4)"). So the innermost
 * command, which needs spaces, is a script that `exec`s: the chain is exactly three socat
 * processes joined by socketpairs (socat's EXEC default, like Node's child stdio), plus one `sh`
 * start per connection, which only the connection-rate figure sees.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inNetns, nsenterNet } from './netns.js';
import { cpuSecondsWithChildren, start, stop } from './procs.js';

export interface SocatChainOptions {
  dir: string;
  clientNs: string;
  serverNs: string;
  listenPort: number;
  targetPort: number;
  /** socat -b for all three: the read/write size per transfer. */
  buffer: number;
}

export class SocatChain {
  private readonly child: ChildProcess;

  constructor(o: SocatChainOptions) {
    const hop3 = join(o.dir, `socat-hop3-${o.listenPort}.sh`);
    const b = String(o.buffer);
    script(hop3, nsenterNet(o.serverNs, ['socat', '-b', b, '-', `TCP:127.0.0.1:${o.targetPort},nodelay`]));
    this.child = start(inNetns(o.clientNs, [
      'socat', '-b', b, `TCP-LISTEN:${o.listenPort},bind=127.0.0.1,reuseaddr,fork,backlog=1024,nodelay`, `EXEC:socat -b ${b} - EXEC\\:${hop3}`,
    ]), { stdio: ['ignore', 'ignore', 'ignore'] });
  }

  /**
   * CPU seconds of every chain so far: the listener forks one child per connection, which waits
   * for the two hops it started, so once a connection's chain has exited all three are counted.
   */
  cpuSeconds(): number {
    return cpuSecondsWithChildren(this.child.pid ?? -1);
  }

  stop(): Promise<void> {
    return stop(this.child, 'SIGTERM', 2000);
  }
}

function script(path: string, argv: readonly string[]): void {
  writeFileSync(path, `#!/bin/sh\nexec ${argv.join(' ')}\n`);
  chmodSync(path, 0o755);
}
