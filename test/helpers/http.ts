/**
 * HTTP GET from a given host of a test mesh: the test's own network (the "local" host) with
 * node:http, or inside a namespace with curl, as a user on that host would.
 */
import { request } from 'node:http';
import { execIn } from './netns.js';
import { waitFor } from './wait.js';

export interface HttpResult {
  status: number;
  body: string;
}

/** GET `url` from the local host. Rejects on a connection error or after `timeoutMs`. */
export function httpGet(url: string, timeoutMs = 5000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    // agent: false: a fresh connection per request, so every request crosses the mesh anew.
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(new Error(`GET ${url}: ${error.message}`, { cause: error })));
    req.end();
  });
}

/** GET `url` from inside `ns` with curl; rejects with curl's own message on failure. */
export async function httpGetIn(ns: string, url: string, timeoutMs = 5000): Promise<HttpResult> {
  // --noproxy: a proxy from the environment must not capture loopback VIPs.
  const result = await execIn(
    ns,
    ['curl', '-sS', '--noproxy', '*', '--max-time', String(timeoutMs / 1000), '-o', '-', '-w', '\n%{http_code}', url],
    { timeoutMs: timeoutMs + 2000 },
  );
  if (result.code !== 0) throw new Error(`curl ${url} in ${ns}: ${result.stderr.trim() || `exit ${result.code}`}`);
  const cut = result.stdout.lastIndexOf('\n');
  return { status: Number(result.stdout.slice(cut + 1)), body: result.stdout.slice(0, cut) };
}

/** GET from the local host (ns undefined) or from inside `ns`. */
export function httpGetFrom(ns: string | undefined, url: string, timeoutMs = 5000): Promise<HttpResult> {
  return ns ? httpGetIn(ns, url, timeoutMs) : httpGet(url, timeoutMs);
}

/**
 * Polls until GET returns 200 with `body`; for the moment right after a mesh says it is ready,
 * when a listener may still be binding. The timeout message quotes the last failure.
 */
export function waitForBody(ns: string | undefined, url: string, body: string, timeoutMs = 5000): Promise<HttpResult> {
  return waitFor(
    async () => {
      const r = await httpGetFrom(ns, url, 2000);
      if (r.status !== 200 || r.body !== body) throw new Error(`got ${r.status} "${r.body.slice(0, 80)}"`);
      return r;
    },
    { timeoutMs, intervalMs: 100, what: `${url} from ${ns ?? 'the local host'} to answer "${body}"` },
  );
}
