/**
 * The demo's hosts and manifest, as data: which hosts, where each runs, what each serves.
 * Pure, so the shape of the demo is testable without starting anything.
 */
import { stringify } from 'yaml';

/** The VIPs of the seed's own example, so the demo looks like the README. */
export const DEMO_VIPS = ['127.0.42.100', '127.0.42.101', '127.0.42.102'] as const;
/** The port every demo host publishes on its VIP. */
export const DEMO_PORT = 8080;

export interface DemoHost {
  name: string;
  vip: string;
  /** Undefined for the local host. */
  cmd?: string[];
  /** Where the host's web service listens, on the host's own 127.0.0.1. */
  servicePort: number;
  /** What it answers. */
  body: string;
  /** One line for the user: where this host lives. */
  where: string;
}

export function manifestYaml(hosts: readonly DemoHost[]): string {
  const out: Record<string, { vip: string; cmd?: string[]; ports: string[] }> = {};
  for (const h of hosts) {
    out[h.name] = { vip: h.vip, ...(h.cmd ? { cmd: h.cmd } : {}), ports: [`${DEMO_PORT}:127.0.0.1:${h.servicePort}`] };
  }
  return `# Written by \`norouter demo\`; removed when it exits.\n${stringify({ hosts: out }, { lineWidth: 0 })}`;
}

export function curlCommands(hosts: readonly DemoHost[]): string[] {
  return hosts.map((h) => `curl http://${h.vip}:${DEMO_PORT}/`);
}
