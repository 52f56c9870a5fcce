/**
 * What the original NoRouter's manifests carry that norouter accepts but does differently:
 * `stateDir` (its directory for a hosts and a HOSTALIASES file on each host). norouter writes no
 * such directory, so `stateDir` is a warning (W306) unless it says `disable: true`, which is what
 * norouter does anyway. The original's other keys are accepted with its meaning (`aliases`, a
 * VIP as `via`, `http: {}`) or explained where they appear (schema.ts: ORIGINAL_KEYS).
 */
import type { SemanticContext } from './semantic-context.js';

type Hosts = ReadonlyArray<readonly [string, Record<string, unknown>]>;

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function checkOriginalKeys(ctx: SemanticContext, template: unknown, hosts: Hosts): void {
  checkStateDir(ctx, asRecord(template)?.['stateDir'], ['hostTemplate', 'stateDir'], 'hostTemplate');
  for (const [name, host] of hosts) checkStateDir(ctx, host['stateDir'], ['hosts', name, 'stateDir'], `host "${name}"`);
}

function checkStateDir(ctx: SemanticContext, value: unknown, at: string[], owner: string): void {
  const stateDir = asRecord(value);
  if (!stateDir || !ctx.usable(at) || stateDir['disable'] === true) return;
  ctx.report('W306', `stateDir of ${owner} is ignored: the original NoRouter wrote a hosts and a HOSTALIASES file into it on each host; norouter writes no state directory. Names reach programs through the DNS add-on (dns: {}) or /etc/hosts (writeEtcHosts: true); remove stateDir, or write stateDir: {disable: true}`, at, 'key');
}
