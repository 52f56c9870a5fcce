/**
 * clipanion 3.2 shows an option's value as `#0` (`--me #0`), with no way to name it. Every text
 * clipanion prints (help, usage lines in errors) passes through nameOptionValues, which writes
 * what the value is instead and re-aligns the option list of a command's help. An option missing
 * from the table shows `VALUE`, never `#0`. The descriptions say each value's format in full.
 */
const VALUES: Readonly<Record<string, string>> = {
  '--me': 'VIP',
  '--forward': 'SPEC',
  '--other': 'VIP:PORT',
  '--dns': 'PORT',
  '--dns-domain': 'DOMAIN',
  '--dns-resolv-conf': 'MODE',
  '--dns-name': 'NAME=VIP',
  '--http-proxy': 'ADDRESS:PORT',
  '--socks-proxy': 'ADDRESS:PORT',
  '--route': 'ROUTE',
  '--keepalive': 'MS,MS',
  '--discover': 'PORTS',
  '--discover-exclude': 'PORTS',
  '--subnet': '127.A.B',
};

/** An option line of a command's help: `  DEFINITION<padding>    DESCRIPTION`, maybe in bold. */
const OPTION_LINE = /^ {2}(\x1b\[1m)?(-[^\s\x1b]*(?: [^\s\x1b]+)?)( *)(\x1b\[22m)? {4}(.*)$/;

export function nameOptionValues(text: string): string {
  const named = text.replace(/((?:-[\w-]+,)*(-{1,2}[\w-]+)) #0/g, (_, names: string, last: string) => `${names} ${VALUES[last] ?? 'VALUE'}`);
  return realign(named.split('\n')).join('\n');
}

/** Pads every run of consecutive option lines to its own longest definition, as clipanion does. */
function realign(lines: string[]): string[] {
  const out: string[] = [];
  let group: RegExpExecArray[] = [];
  const flush = () => {
    const width = Math.max(0, ...group.map((m) => (m[2] ?? '').length));
    for (const m of group) out.push(`  ${m[1] ?? ''}${(m[2] ?? '').padEnd(width)}${m[4] ?? ''}    ${m[5] ?? ''}`);
    group = [];
  };
  for (const line of lines) {
    const match = OPTION_LINE.exec(line);
    if (match) {
      group.push(match);
      continue;
    }
    flush();
    out.push(line);
  }
  flush();
  return out;
}
