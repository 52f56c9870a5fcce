/**
 * Shared by the reliability tests (docs/reliability.md): the fake agent and tcp-server fixtures,
 * byte-exact echo checks, and the numbers in the router's log lines.
 */
import { fileURLToPath } from 'node:url';
import { TCP_SERVER, randomPayload, sha256, startFixture, type Service } from '../helpers/services.js';
import { tcpExchange, type TcpOutcome } from '../helpers/tcp.js';

export const FAKE_AGENT = fileURLToPath(new URL('../fixtures/reliability/fake-agent.ts', import.meta.url));
/** tsx's loader by absolute path: a host's cmd runs with the router's cwd, wherever that is. */
export const TSX_LOADER = fileURLToPath(import.meta.resolve('tsx'));

/** The `cmd` of a host whose "agent" is the fake agent in MODE (see the fixture's header). */
export function fakeAgentCmd(...modeArgs: string[]): string[] {
  return [process.execPath, '--import', TSX_LOADER, FAKE_AGENT, ...modeArgs];
}

/** The tcp-server fixture in `count` or `midreset` mode in `ns`, resolved once it listens. */
export function startTarget(mode: 'count' | 'midreset', ns: string | undefined, port: number, bytes?: number): Promise<Service> {
  return startFixture(ns, [TCP_SERVER, mode, String(port), '127.0.0.1', ...(bytes ? [String(bytes)] : [])]);
}

/** Sends `size` random bytes through an echo service and checks they come back byte for byte. */
export async function echoExact(vip: string, port: number, size: number, timeoutMs = 10_000): Promise<{ ok: boolean; bytes: number; outcome: TcpOutcome }> {
  const data = randomPayload(size);
  const outcome = await tcpExchange(vip, port, { send: data, timeoutMs });
  return { ok: outcome.end === 'eof' && outcome.data.length === size && sha256(outcome.data) === sha256(data), bytes: size, outcome };
}

/** The values of a number captured by `regex` in lines, in order (e.g. the restart delays). */
export function numbersIn(lines: readonly string[], regex: RegExp): number[] {
  return lines.flatMap((l) => {
    const m = regex.exec(l);
    return m ? [Number(m[1])] : [];
  });
}
