/**
 * Source ports for connections this agent initiates (docs/protocol.md §5.8): unique among its
 * live initiated connections, chosen round-robin so that a port just freed is the last reused.
 */
export const FIRST_SOURCE_PORT = 1024;
export const LAST_SOURCE_PORT = 65535;

export class PortAllocator {
  private next = FIRST_SOURCE_PORT;
  private readonly inUse: ReadonlySet<number> | ReadonlyMap<number, unknown>;

  /** `inUse` is the live set, consulted at each allocation (the mux's map of initiated connections). */
  constructor(inUse: ReadonlySet<number> | ReadonlyMap<number, unknown>) {
    this.inUse = inUse;
  }

  /** A free port, or undefined when all 64,512 are taken. */
  allocate(): number | undefined {
    const span = LAST_SOURCE_PORT - FIRST_SOURCE_PORT + 1;
    if (this.inUse.size >= span) return undefined;
    for (let i = 0; i < span; i++) {
      const port = this.next;
      this.next = port === LAST_SOURCE_PORT ? FIRST_SOURCE_PORT : port + 1;
      if (!this.inUse.has(port)) return port;
    }
    return undefined;
  }
}
