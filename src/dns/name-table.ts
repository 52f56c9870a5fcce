/**
 * The names one agent answers: every host's name and alias, and each again under the
 * domain suffix, lower-cased (DNS ignores case, RFC 4343). Replaced whole on reload.
 */
import type { DnsName } from '../plan/types.js';

export class NameTable {
  private readonly map: Map<string, string>;

  constructor(names: readonly DnsName[], domain?: string) {
    this.map = new Map();
    const suffix = domain ? `.${domain.toLowerCase()}` : '';
    for (const { name, vip } of names) {
      const key = name.toLowerCase();
      if (!this.map.has(key)) this.map.set(key, vip);
      if (suffix && !this.map.has(key + suffix)) this.map.set(key + suffix, vip);
    }
  }

  /** The VIP for a lower-cased name without its final dot; undefined when the name is not ours. */
  lookup(name: string): string | undefined {
    return this.map.get(name);
  }

  get size(): number {
    return this.map.size;
  }
}
