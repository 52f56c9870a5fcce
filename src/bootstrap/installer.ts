/**
 * `norouter show-installer`'s output: a POSIX shell script that installs the
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
 * With a runtime (`show-installer --runtime`, docs/protocol.md §12.2), a host without a
 * suitable node gets the router's own Node runtime from a second, base64 here-document (binary
 * cannot travel in one), unpacked into the bootstrap's cache with its checks (shell-lib.ts),
 * and a launcher that checks it before each start and runs norouter through its loader.
 *
 * What the script needs on the host: sh, node (checked first, before anything is written) or
 * the runtime's tools (base64, gzip, tar, sha256sum, mktemp), mkdir, cat, chmod, mv. It verifies the size and sha256 of what it received with node itself
 * (no sha256sum needed), runs it once (`--version`), and moves it into place with rename, so a
 * failed or interrupted install leaves any earlier install as it was.
 */
import { createHash } from 'node:crypto';
import { MIN_NODE, MIN_NODE_TEXT } from './constants.js';
import { SUMS_NAME } from './runtime-archive.js';
import type { Runtime } from './runtime-files.js';
import { CANDIDATES, cacheFunctions } from './shell-lib.js';
import { runtimeDirName, shQuote } from './shell-script.js';

export interface InstallerInput {
  /** The single-file CLI (dist/norouter.cjs). */
  file: Buffer;
  version: string;
  /**
   * The router's Node runtime and its archive (docs/protocol.md §12.2), for hosts without a
   * suitable node: base64 in a second here-document, unpacked into the same cache as the
   * bootstrap's, with the same checks, and run by the launcher through its own loader.
   */
  runtime?: { runtime: Runtime; archive: Buffer };
}

/** What the launcher and the installer run node as, in each case. */
function runtimeSection(runtime: Runtime, archive: Buffer): { head: string; launcher: string } {
  const b64 = archive.toString('base64').replace(/.{76}/g, '$&\n');
  const eof = `NOROUTER_RUNTIME_${runtime.id.slice(0, 24)}`;
  const vars = `nr_id=${runtime.id}
nr_rt=${runtimeDirName(runtime.id)}
nr_loader=${shQuote(runtime.loader)}
nr_names=${shQuote([SUMS_NAME, ...runtime.files.map((f) => f.name)].join(' '))}
nr_uid=$(id -u 2>/dev/null) || nr_uid=0
nr_why=
`;
  const head = `if [ -n "$use_runtime" ]; then
# The cache functions test and fail as they go: no errexit in here.
set +e
${vars}nr_say() { [ "$1 $2" != "note damaged" ] || say "the runtime in $3 was damaged: replacing it"; }
m=$(uname -m 2>/dev/null) || m=unknown
[ "$m" = ${shQuote(runtime.arch)} ] || fail "$why, and this host's CPU is $m while the Node runtime inside this installer is for ${runtime.arch}"
for t in base64 gzip tar sha256sum ln mkdir mktemp; do command -v $t >/dev/null 2>&1 || fail "$why, and this host has no $t, which installing the Node runtime needs"; done
${cacheFunctions()}rt= rt_new=
for nr_d in ${CANDIDATES}; do
  nr_usable "$nr_d" || continue
  nr_check "$nr_d/$nr_rt" && { rt=$nr_d/$nr_rt; break; }
  [ -n "$rt_new" ] || rt_new=$nr_d
done
if [ -z "$rt" ]; then
  [ -n "$rt_new" ] || fail "$why, and no directory here can hold the Node runtime (writable, owned by uid $nr_uid, exec allowed)\${nr_why#;}"
  rt_tmp=$(mktemp -d "$rt_new/.$nr_rt.XXXXXX") || fail "cannot create a directory in $rt_new"
  base64 -d <<'${eof}' | gzip -dc | (cd "$rt_tmp" && tar -xf -) || true
${b64}
${eof}
  s=$(cd "$rt_tmp" && sha256sum ${SUMS_NAME} 2>/dev/null) || s=
  if [ "\${s%% *}" != "$nr_id" ] || ! (cd "$rt_tmp" && sha256sum -c ${SUMS_NAME}) >/dev/null 2>&1; then
    rm -rf "$rt_tmp"; fail "the Node runtime did not unpack intact in $rt_new (a full disk?)"
  fi
  nr_publish "$rt_tmp" "$rt_new"
  rt=$nr_use
  say "installed norouter's Node runtime (node ${process.version}) in $rt"
fi
run_node() { "$rt/$nr_loader" --inhibit-cache --library-path "$rt" "$rt/node" "$@"; }
ver=$(run_node -p process.versions.node) || fail "the Node runtime in $rt does not run here"
node="$rt/node"
set -e
fi
`;
  const launcher = `${vars}nr_say() { :; }
${cacheFunctions()}nr_check "$rt" || { printf 'norouter: the Node runtime in %s is missing or damaged: run the installer again\\n' "$rt" >&2; exit 84; }
exec "$rt/$nr_loader" --inhibit-cache --library-path "$rt" "$rt/node" "$cjs" "$@"
`;
  return { head, launcher };
}

const ADVICE = `norouter needs Node.js >= ${MIN_NODE_TEXT}, or an installer made by norouter show-installer --runtime, which brings its own`;
const NO_NODE = `printf 'norouter installer: error: %s: ${ADVICE}\\n' "$why" >&2; exit 127`;
const OLD_NODE = `fail "$why: ${ADVICE}"`;

export function installerScript({ file, version, runtime }: InstallerInput): Buffer {
  if (file.includes(0)) throw new Error('Assertion failed: the single-file CLI contains a NUL byte');
  // A here-document always ends its body with a newline: the file as installed has one.
  const body = file.at(-1) === 0x0a ? file : Buffer.concat([file, Buffer.from('\n')]);
  const sha = createHash('sha256').update(body).digest('hex');
  const eof = `NOROUTER_EOF_${sha.slice(0, 24)}`;
  if (body.includes(`\n${eof}\n`) || body.subarray(0, eof.length + 1).equals(Buffer.from(`${eof}\n`))) {
    throw new Error('Assertion failed: the single-file CLI contains the here-document delimiter');
  }
  const rt = runtime ? runtimeSection(runtime.runtime, runtime.archive) : undefined;
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
use_runtime= rt_new=
run_node() { "$node" "$@"; }
if ! node=$(command -v node); then
  why="node was not found on this host (PATH=$PATH)"
  ${rt ? 'use_runtime=1' : NO_NODE}
else
  ver=$("$node" -p process.versions.node) || fail "$node does not run"
  major=\${ver%%.*}
  minor=\${ver#*.}
  minor=\${minor%%.*}
  if [ "$major" -lt ${MIN_NODE.major} ] || { [ "$major" -eq ${MIN_NODE.major} ] && [ "$minor" -lt ${MIN_NODE.minor} ]; }; then
    why="node v$ver ($node) is too old"
    ${rt ? 'use_runtime=1' : OLD_NODE}
  fi
fi
${rt ? rt.head : ''}mkdir -p "$dir"
tmp="$dir/.norouter.$$.tmp.cjs"
trap 'rm -f "$tmp" "$tmp.sh"' EXIT
trap 'exit 1' HUP INT TERM
cat > "$tmp" <<'${eof}'
`;
  const tail = `${eof}
got=$(run_node -e 'const f=require("fs").readFileSync(process.argv[1]);process.stdout.write(f.length+" "+require("crypto").createHash("sha256").update(f).digest("hex"))' "$tmp")
[ "$got" = "$size $sha" ] || fail "the file arrived damaged: got (size sha256) $got, expected $size $sha"
ran=$(run_node "$tmp" --version) || fail "the file does not run with node v$ver"
[ "$ran" = "$want" ] || fail "the file says it is norouter $ran, expected $want"
chmod 755 "$tmp"
{
  printf '#!/bin/sh\\n# norouter launcher, written by the norouter %s installer.\\n' "$want"
  if [ -n "$use_runtime" ]; then
    # Runs norouter's own Node runtime, checked before each use.
    printf 'rt=%s\\ncjs=%s\\n' "$(quote "$rt")" "$(quote "$dir/norouter.cjs")"
    cat <<'NOROUTER_LAUNCHER_EOF'
${rt ? rt.launcher : ''}NOROUTER_LAUNCHER_EOF
  else
    printf 'n=%s\\n[ -x "$n" ] || n=node\\nexec "$n" %s "$@"\\n' "$(quote "$node")" "$(quote "$dir/norouter.cjs")"
  fi
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
