/**
 * `norouter demo --subnet 127.A.B`: where the demo's three VIPs go (127.A.B.100 to .102), for a
 * machine where 127.0.42.x is taken (another mesh, another demo). Pure, so its errors are
 * testable without starting anything.
 */
export type DemoSubnet = { ok: true; vips: readonly [string, string, string] } | { ok: false; message: string };

const FORM = /^127\.(\d{1,3})\.(\d{1,3})(?:\.0\/24|\.)?$/;

/** Accepts `127.A.B` and `127.A.B.0/24`, with A and B from 0 to 255. */
export function parseDemoSubnet(value: string): DemoSubnet {
  const match = FORM.exec(value.trim());
  const octets = match ? [match[1], match[2]].map(Number) : [];
  if (!match || octets.some((n) => !Number.isInteger(n) || n > 255)) {
    const why = /^\d+\.\d+\.\d+/.test(value) && !value.startsWith('127.')
      ? 'the demo\'s VIPs must be loopback addresses (127.0.0.0/8), which Linux answers on without any setup'
      : 'expected 127.A.B (or 127.A.B.0/24) with A and B from 0 to 255, such as 127.0.43';
    return { ok: false, message: `--subnet ${JSON.stringify(value)}: ${why}` };
  }
  const prefix = `127.${octets[0]}.${octets[1]}`;
  return { ok: true, vips: [`${prefix}.100`, `${prefix}.101`, `${prefix}.102`] };
}
