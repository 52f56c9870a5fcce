/**
 * When the relay (relay.ts) sends a query to which nameserver (pure). Stub resolvers wait 5 s
 * (glibc: `timeout:5` per try, `attempts:2`; musl: 5 s in all, re-sending every second): the
 * relay's whole budget is below that, so the client sees our SERVFAIL instead of timing out and
 * moving on to a nameserver it no longer has (the patched resolv.conf lists only us).
 */

export interface RelayTiming {
  /** The whole time a query may take before the client gets SERVFAIL. */
  budgetMs?: number;
  /** No answer after this long: the next nameserver is asked too (the first keeps listening). */
  staggerMs?: number;
  /** A nameserver already asked is asked again after this long (a lost datagram). */
  retryMs?: number;
}

/** Below glibc's and musl's 5 s, with room for the client's own packet to arrive. */
export const BUDGET_MS = 4_000;
/** Well above a nameserver's usual answer time (a recursive lookup: tens to hundreds of ms). */
export const STAGGER_MS = 500;
/** As musl re-sends (every second or so): a lost datagram costs this, not the budget. */
export const RETRY_MS = 1_500;

/**
 * Every send of one query as [ms after the start, nameserver index], in time order: nameserver
 * i first at i × stagger, then again every `retry`, while within the budget.
 */
export function sendSchedule(count: number, timing: RelayTiming = {}): Array<[number, number]> {
  const budget = timing.budgetMs ?? BUDGET_MS;
  const stagger = timing.staggerMs ?? STAGGER_MS;
  const retry = Math.max(1, timing.retryMs ?? RETRY_MS);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    for (let t = i * stagger; t < budget; t += retry) out.push([t, i]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** RCODE 2 (SERVFAIL) or 5 (REFUSED): this nameserver cannot help; another may. */
export function isFailure(answer: Buffer): boolean {
  const rcode = (answer[3] ?? 0) & 0x0f;
  return rcode === 2 || rcode === 5;
}
