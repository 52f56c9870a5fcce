/**
 * `norouter show-installer`'s output (issue 7): a POSIX shell script that installs the
 * single-file CLI and a `norouter` launcher into ~/bin, for `norouter show-installer | docker
 * exec -i c1 sh` (or kubectl exec -i, or ssh).
 *
 * The file travels inside the script, as a quoted here-document, not after it: a shell reading
 * its script from a pipe may read ahead. dash (Debian's and Ubuntu's /bin/sh) reads blocks of up
 * to 8 KiB, so a `head -c N` after the script would find its payload already swallowed by the
 * shell; bash reads byte by byte, busybox ash in blocks too. A here-document is part of the
 * script, so every POSIX shell hands it over whole. The file is text without NUL bytes, and the
 * delimiter carries its hash, so no line of the file can end the here-document early.
 *
 * What the script needs on the host: sh, node (checked first, before anything is written),
 * mkdir, cat, chmod, mv. It verifies the size and sha256 of what it received with node itself
 * (no sha256sum needed), runs it once (`--version`), and moves it into place with rename, so a
 * failed or interrupted install leaves any earlier install as it was.
 */
import { createHash } from 'node:crypto';
import { MIN_NODE, MIN_NODE_TEXT } from './constants.js';

export interface InstallerInput {
  /** The single-file CLI (dist/norouter.cjs). */
  file: Buffer;
  version: string;
}

export function installerScript({ file, version }: InstallerInput): Buffer {
  if (file.includes(0)) throw new Error('Assertion failed: the single-file CLI contains a NUL byte');
  // A here-document always ends its body with a newline: the file as installed has one.
  const body = file.at(-1) === 0x0a ? file : Buffer.concat([file, Buffer.from('\n')]);
  const sha = createHash('sha256').update(body).digest('hex');
  const eof = `NOROUTER_EOF_${sha.slice(0, 24)}`;
  if (body.includes(`\n${eof}\n`) || body.subarray(0, eof.length + 1).equals(Buffer.from(`${eof}\n`))) {
    throw new Error('Assertion failed: the single-file CLI contains the here-document delimiter');
  }
  const head = `#!/bin/sh
# norouter ${version} installer, printed by \`norouter show-installer\`. Installs the
# single-file norouter and a \`norouter\` launcher into ~/bin; needs only sh and Node.js >= ${MIN_NODE_TEXT}.
# Run it with the host's own shell, reading it from stdin:
#   norouter show-installer | docker exec -i CONTAINER sh
#   norouter show-installer | kubectl exec -i POD -- sh
#   norouter show-installer | ssh USER@HOST sh
# The file itself is the here-document below.
set -eu
want='${version}'
size=${body.length}
sha=${sha}
dir="\${HOME:?HOME is not set}/bin"
say() { printf 'norouter installer: %s\\n' "$*"; }
fail() { printf 'norouter installer: error: %s\\n' "$*" >&2; exit 1; }
# Single-quotes a word for the launcher.
quote() { case $1 in *\\'*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\\\\\''/g")" ;; *) printf "'%s'" "$1" ;; esac; }
node=$(command -v node) || { printf 'norouter installer: error: node was not found on this host (PATH=%s): norouter needs Node.js >= ${MIN_NODE_TEXT}\\n' "$PATH" >&2; exit 127; }
ver=$("$node" -p process.versions.node) || fail "$node does not run"
major=\${ver%%.*}
minor=\${ver#*.}
minor=\${minor%%.*}
if [ "$major" -lt ${MIN_NODE.major} ] || { [ "$major" -eq ${MIN_NODE.major} ] && [ "$minor" -lt ${MIN_NODE.minor} ]; }; then
  fail "node v$ver ($node) is too old: norouter needs Node.js >= ${MIN_NODE_TEXT}"
fi
mkdir -p "$dir"
tmp="$dir/.norouter.$$.tmp.cjs"
trap 'rm -f "$tmp" "$tmp.sh"' EXIT
trap 'exit 1' HUP INT TERM
cat > "$tmp" <<'${eof}'
`;
  const tail = `${eof}
got=$("$node" -e 'const f=require("fs").readFileSync(process.argv[1]);process.stdout.write(f.length+" "+require("crypto").createHash("sha256").update(f).digest("hex"))' "$tmp")
[ "$got" = "$size $sha" ] || fail "the file arrived damaged: got (size sha256) $got, expected $size $sha"
ran=$("$node" "$tmp" --version) || fail "the file does not run with node v$ver"
[ "$ran" = "$want" ] || fail "the file says it is norouter $ran, expected $want"
chmod 755 "$tmp"
{
  printf '#!/bin/sh\\n# norouter launcher, written by the norouter %s installer.\\n' "$want"
  printf 'n=%s\\n[ -x "$n" ] || n=node\\nexec "$n" %s "$@"\\n' "$(quote "$node")" "$(quote "$dir/norouter.cjs")"
} > "$tmp.sh"
chmod 755 "$tmp.sh"
mv -f "$tmp" "$dir/norouter.cjs"
mv -f "$tmp.sh" "$dir/norouter"
say "installed norouter $want: $dir/norouter.cjs ($size bytes) and the launcher $dir/norouter (runs $node, v$ver)"
case ":$PATH:" in
  *":$dir:"*) say "$dir is on PATH: a host's cmd can be \\"norouter\\"" ;;
  *) say "$dir is not on PATH: use \\"$dir/norouter\\" as the host's cmd" ;;
esac
exit 0
`;
  return Buffer.concat([Buffer.from(head), body, Buffer.from(tail)]);
}
