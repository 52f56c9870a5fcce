/**
 * Stage 2b: checks the schema cannot express (uniqueness across hosts, port ranges, shell
 * quoting). Runs on the raw value even when the schema found problems, skipping exactly the
 * parts it reported, so one run shows every problem in the file.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { YamlSource } from './locate.js';
import { checkCommands } from './semantic-cmd.js';
import { SemanticContext } from './semantic-context.js';
import { checkHostNames, checkVips } from './semantic-hosts.js';
import { checkPorts } from './semantic-ports.js';
import { checkOwnPorts } from './semantic-own-ports.js';
import { checkDns, dnsApplies } from './semantic-dns.js';
import { checkOriginalKeys } from './semantic-original.js';
import { checkProxies, checkRoutes } from './semantic-proxy.js';
import { checkKeepalive } from './semantic-keepalive.js';
import { checkDiscover } from './semantic-discover.js';
import { checkPlanSize } from './semantic-size.js';

export function checkSemantics(value: unknown, src: YamlSource, file: string, schemaDiagnostics: readonly Diagnostic[]): Diagnostic[] {
  const ctx = new SemanticContext(src, file, schemaDiagnostics);
  const root = asRecord(value);
  const hostsValue = asRecord(root?.['hosts']);
  if (!root || !hostsValue) return ctx.diagnostics;
  const hosts = Object.entries(hostsValue).flatMap(([name, host]) => {
    const record = asRecord(host);
    return record ? [[name, record] as const] : [];
  });
  const aliased = new Set(hosts.filter(([, h]) => hasAliases(h['aliases']) || hasAliases(asRecord(h['dns'])?.['aliases'])).map(([name]) => name));
  checkHostNames(ctx, Object.keys(hostsValue), dnsApplies(root['hostTemplate'], hosts), (name) => aliased.has(name));
  checkVips(ctx, hosts);
  checkCommands(ctx, hosts);
  checkPorts(ctx, asRecord(root['hostTemplate'])?.['ports'], hosts);
  checkDns(ctx, root['hostTemplate'], hosts);
  checkOwnPorts(ctx, root['hostTemplate'], hosts);
  checkProxies(ctx, root['hostTemplate'], hosts);
  checkRoutes(ctx, root['routes'], Object.keys(hostsValue), new Set(hosts.map(([, h]) => h['vip']).filter((v): v is string => typeof v === 'string')));
  checkKeepalive(ctx, root['keepalive']);
  checkDiscover(ctx, root['hostTemplate'], hosts);
  checkOriginalKeys(ctx, root['hostTemplate'], hosts);
  // Last: it sums what the checks above looked at one host at a time.
  checkPlanSize(ctx, root);
  return ctx.diagnostics;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function hasAliases(list: unknown): boolean {
  return Array.isArray(list) && list.length > 0;
}
