/**
 * The pieces every argument parser of this folder shares (agent-args, keepalive-args,
 * proxy-args, route-pattern): a leaf module, so that none of them imports another for these.
 */

/** Parses a port number in 1..65535 written in plain decimal; undefined otherwise. */
export function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
