/**
 * The bootstrap loader (docs/protocol.md §12): a few hundred bytes of JavaScript that a host's own
 * `node` runs from its command line,
 * `node --import=data:text/javascript,LOADER -e 0 internal agent …`. It checks the Node version,
 * reads the bootstrap stream (constants.ts) from stdin, puts back the protocol bytes that arrived
 * with it, and runs the single-file CLI from memory on the same
 * stdin and stdout. Nothing is written to the host's disk.
 *
 * The argument must mean the same after zero or one round of shell parsing: `ssh HOST -- node
 * ARGS` hands ARGS to the remote shell, `docker exec`, `kubectl exec` and `ip netns exec` pass
 * them as they are. So every byte outside [A-Za-z0-9_@%+=:,./-] is percent-encoded (and `%`
 * itself, which the data: URL decodes). `-e 0` gives node a main script so that the words after
 * it land in process.argv instead of being taken for a script path.
 *
 * The source is plain script (no import statements): process.getBuiltinModule (Node 20.16) is
 * reached only after the version check, so an old node gets our message, not a syntax error.
 */
import {
  BOOTSTRAP_FILENAME, BOOTSTRAP_GLOBAL, BOOTSTRAP_HEADER_LENGTH, BOOTSTRAP_MAGIC, BOOTSTRAP_MAX_PAYLOAD,
  EXIT_BOOTSTRAP_BROKEN, EXIT_NODE_TOO_OLD, MIN_NODE, MIN_NODE_TEXT,
} from './constants.js';

const H = BOOTSTRAP_HEADER_LENGTH;

// One statement (or declaration) per line; the lines are joined without separators, so each one
// ends in `;`, `,` or a brace. Names are one letter: every byte is on the command line.
//   P process, V its node version, E(status, message) fails, G a builtin module, I stdin,
//   B chunks read, n bytes read, t bytes wanted (header + payload, once the header is in),
//   D the data handler, F the end handler.
const LINES = [
  `const P=process,V=P.versions.node,v=V.split('.').map(Number),`,
  `E=(c,m)=>{P.stderr.write('norouter bootstrap: '+m+'\\n');P.exit(c)};`,
  `if(v[0]<${MIN_NODE.major}||v[0]==${MIN_NODE.major}&&v[1]<${MIN_NODE.minor})`,
  `E(${EXIT_NODE_TOO_OLD},'node v'+V+' ('+P.execPath+') is too old: norouter needs Node.js >= ${MIN_NODE_TEXT}');`,
  `const G=m=>P.getBuiltinModule(m),I=P.stdin,B=[];`,
  `let n=0,t=0,a;`,
  `const D=c=>{B.push(c);n+=c.length;`,
  `if(!t){if(n<${H})return;a=Buffer.concat(B);B.length=0;B.push(a);`,
  `if(a.toString('latin1',0,8)!=${JSON.stringify(BOOTSTRAP_MAGIC).replace(/"/g, "'")})E(${EXIT_BOOTSTRAP_BROKEN},'bad magic: stdin is not a norouter bootstrap stream');`,
  `t=${H}+a.readUInt32LE(8);`,
  `if(t>${H + BOOTSTRAP_MAX_PAYLOAD})E(${EXIT_BOOTSTRAP_BROKEN},'bad header: a payload of '+(t-${H})+' bytes')}`,
  `if(n<t)return;`,
  `I.off('data',D);I.off('end',F);I.pause();a=Buffer.concat(B);`,
  // The protocol frames that came with the payload go back into stdin for the agent; the next
  // 'data' listener (the agent's) then resumes the stream.
  `if(n>t)I.unshift(a.subarray(t));I.readableFlowing=null;`,
  `const p=a.subarray(${H},t);`,
  `if(!G('crypto').createHash('sha256').update(p).digest().equals(a.subarray(12,${H})))E(${EXIT_BOOTSTRAP_BROKEN},'checksum mismatch: the payload was corrupted');`,
  `globalThis.${BOOTSTRAP_GLOBAL}=1;P.argv.splice(1,0,'${BOOTSTRAP_FILENAME}');`,
  `const m={exports:{}};`,
  // The CommonJS wrapper, as Node's own loader would give a file; the shebang line goes.
  `new(G('vm').Script)('(function(exports,require,module,__filename,__dirname){'+G('zlib').gunzipSync(p).toString().replace(/^#!.*/,'')+'\\n})',{filename:'${BOOTSTRAP_FILENAME}'})`,
  `.runInThisContext()(m.exports,G('module').createRequire(P.cwd()+'/'),m,'${BOOTSTRAP_FILENAME}',P.cwd())};`,
  `const F=()=>E(${EXIT_BOOTSTRAP_BROKEN},'cut off: stdin ended after '+n+' of '+(t||${H})+' bytes');`,
  `I.on('data',D);I.on('end',F)`,
];

export const LOADER_SOURCE = LINES.join('');

/** Every byte outside the set that both sh and a data: URL read back unchanged, as %XX. */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_@+=:,./-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What follows the host's `node` on a bootstrap host's command line, before `internal agent …`. */
export const BOOTSTRAP_NODE_ARGS: readonly string[] = [`--import=data:text/javascript,${percentEncode(LOADER_SOURCE)}`, '-e', '0'];
