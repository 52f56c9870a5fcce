/**
 * VIPs for test meshes. Several test processes (and other engineers' runs) share the machine's
 * loopback, and a local agent binds the other hosts' VIP:port there: fixed VIPs such as
 * 127.0.42.101 would collide (EADDRINUSE) between concurrent runs. Each test process takes its
 * own 127.A.B.0/24, derived from its pid, and hands out addresses from it in order.
 */
const A = 100 + (process.pid % 150);
const B = Math.floor(process.pid / 150) % 250 + 1;
let next = 10;

/** A VIP no other test process uses (while pids are distinct modulo 37,500). */
export function nextVip(): string {
  if (next > 250) throw new Error('nextVip: this test process used its whole /24');
  return `127.${A}.${B}.${next++}`;
}

/**
 * A /24 of this process's own, "127.X.Y", for programs that take a subnet rather than single
 * VIPs (the demo). Second octets 250-254 are disjoint from nextVip's 100-249.
 */
export function ownSubnet24(): string {
  return `127.${250 + (process.pid % 5)}.${Math.floor(process.pid / 5) % 256}`;
}
