/**
 * The script a bootstrap host's shell runs first (docs/protocol.md §12.1): the router writes it
 * on the stdin of `CMD -s internal agent …` (CMD ends in the host's sh) and writes nothing more
 * until the script asks, so the shell never reads past its script, however it buffers (dash
 * and busybox ash read pipes in blocks, bash byte by byte). The script:
 *
 *   1. runs the host's own node when it is recent enough: nothing is written on the host;
 *   2. otherwise checks the CPU architecture, looks for the router's runtime in the cache
 *      directories in order, checked against its hash, and uses it;
 *   3. otherwise picks the first directory it can write and execute in (tried for real), says
 *      `NRSH1 upload DIR`, reads a size line (`read` takes one byte at a time) and exactly that
 *      many bytes with dd, unpacks them in a temporary directory of its own, checks every file
 *      against SHA256SUMS and SHA256SUMS against the runtime id, and publishes the directory
 *      with one `ln -s` (atomic: of two agents racing, one link wins and both use it).
 *
 * Before `exec`, the script says `NRSH1 exec …` and only then does the router write the agent's
 * bootstrap stream (§12): the whole script is one `{ … }` compound command, parsed before any
 * of it runs, so the shell reads nothing from stdin once it has started executing.
 *
 * A failure exits with its own status (constants.ts) and one last stderr line starting
 * `norouter bootstrap:` that names what is wrong on the host.
 */
import {
  EXIT_BOOTSTRAP_BROKEN, EXIT_NO_CACHE_DIR, EXIT_NO_RUNTIME, EXIT_NO_TOOL, EXIT_RUNTIME_DAMAGED, EXIT_RUNTIME_WRITE, EXIT_WRONG_ARCH,
  MIN_NODE, MIN_NODE_TEXT, SHELL_LINE_PREFIX,
} from './constants.js';
import { BOOTSTRAP_NODE_ARGS } from './loader.js';
import { SUMS_NAME } from './runtime-archive.js';
import { CANDIDATES, cacheFunctions } from './shell-lib.js';
import type { Runtime } from './runtime-files.js';

/** Bytes per dd block while the runtime is read: a whole number of blocks, then the rest. */
export const UPLOAD_BLOCK = 65536;

export interface ShellScriptInput {
  /** The router's runtime, or why it has none (the host's node is then the only way). */
  runtime: Runtime | { unavailable: string };
  /** A directory the manifest names for the runtime cache; otherwise the usual candidates. */
  cacheDir?: string;
}

/** Single-quotes a word for sh. */
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The directory name of a runtime in a host's cache. */
export function runtimeDirName(id: string): string {
  return `rt-${id.slice(0, 32)}`;
}

export function shellScript({ runtime, cacheDir }: ShellScriptInput): string {
  const have = 'id' in runtime;
  const [importArg = '', ...rest] = BOOTSTRAP_NODE_ARGS;
  if (rest.join(' ') !== '-e 0') throw new Error('Assertion failed: the loader arguments changed shape');
  const names = have ? [SUMS_NAME, ...runtime.files.map((f) => f.name)].join(' ') : '';
  const P = SHELL_LINE_PREFIX;
  return `{
nr_say() { printf '${P} %s\\n' "$*"; }
nr_fail() { nr_c=$1; shift; printf 'norouter bootstrap: %s\\n' "$*" >&2; exit "$nr_c"; }
nr_import=${shQuote(importArg)}
nr_v=
if nr_node=$(command -v node 2>/dev/null) && nr_v=$("$nr_node" -p process.versions.node 2>/dev/null); then
  nr_major=\${nr_v%%.*}; nr_minor=\${nr_v#*.}; nr_minor=\${nr_minor%%.*}
  case "$nr_major.$nr_minor" in *[!0-9.]*|.*|*.) nr_major=0 nr_minor=0 ;; esac
  if [ "$nr_major" -gt ${MIN_NODE.major} ] || { [ "$nr_major" -eq ${MIN_NODE.major} ] && [ "$nr_minor" -ge ${MIN_NODE.minor} ]; }; then
    nr_say exec node "$nr_v" "$nr_node"
    exec "$nr_node" "$nr_import" -e 0 "$@"
  fi
  nr_old="its node v$nr_v ($nr_node) is older than ${MIN_NODE_TEXT}"
else
  nr_old="it has no node"
fi
${have ? '' : `nr_fail ${EXIT_NO_RUNTIME} "$nr_old, and the router cannot bring its own Node runtime: "${shQuote(runtime.unavailable)}`}
nr_id=${have ? runtime.id : ''}
nr_rt=${have ? runtimeDirName(runtime.id) : ''}
nr_loader=${shQuote(have ? runtime.loader : '')}
nr_names=${shQuote(names)}
nr_m=$(uname -m 2>/dev/null) || nr_m=unknown
[ "$nr_m" = ${shQuote(have ? runtime.arch : '')} ] || nr_fail ${EXIT_WRONG_ARCH} "this host's CPU is $nr_m, the router's Node runtime is for ${have ? runtime.arch : ''}, and $nr_old"
for nr_t in dd gzip tar sha256sum ln mkdir mktemp; do
  command -v $nr_t >/dev/null 2>&1 || nr_fail ${EXIT_NO_TOOL} "$nr_old and this host has no $nr_t, which norouter needs to bring its Node runtime"
done
nr_uid=$(id -u 2>/dev/null) || nr_uid=0
${cacheFunctions()}nr_use= nr_new= nr_why= nr_tmp= nr_nl='
'
for nr_d in ${cacheDir === undefined ? CANDIDATES : shQuote(cacheDir)}; do
  nr_usable "$nr_d" || continue
  nr_check "$nr_d/$nr_rt" && { nr_use=$nr_d/$nr_rt; break; }
  [ -n "$nr_new" ] || nr_new=$nr_d
done
if [ -z "$nr_use" ]; then
  [ -n "$nr_new" ] || nr_fail ${EXIT_NO_CACHE_DIR} "$nr_old, and no directory here can hold norouter's Node runtime (writable, owned by uid $nr_uid, exec allowed)\${nr_why#;}"
  # Not worth sending tens of MB into a file system that cannot hold them (df -P: 1K blocks).
  nr_free=$(df -Pk "$nr_new" 2>/dev/null | { read -r _; read -r _ _ _ nr_a _; echo "$nr_a"; })
  case $nr_free in ''|*[!0-9]*) ;; *)
    [ "$nr_free" -ge ${have ? Math.ceil(runtime.rawBytes / 1024) + 1024 : 0} ] || nr_fail ${EXIT_RUNTIME_WRITE} "no space left in $nr_new for norouter's Node runtime: it needs ${have ? Math.ceil(runtime.rawBytes / 1e6) + 1 : 0} MB, $((nr_free / 1024)) MB are free" ;;
  esac
  nr_tmp=$(mktemp -d "$nr_new/.$nr_rt.XXXXXX" 2>/dev/null) || nr_fail ${EXIT_RUNTIME_WRITE} "cannot create a directory in $nr_new"
  trap 'rm -rf "$nr_tmp"' EXIT
  trap 'exit 1' HUP INT TERM
  nr_say upload "$nr_new"
  IFS= read -r nr_size || nr_fail ${EXIT_BOOTSTRAP_BROKEN} "cut off: stdin ended before the runtime"
  case $nr_size in ''|*[!0-9]*) nr_fail ${EXIT_NO_RUNTIME} "the router sent no runtime ($nr_size): its log says why" ;; esac
  nr_q=$((nr_size / ${UPLOAD_BLOCK})) nr_r=$((nr_size % ${UPLOAD_BLOCK}))
  nr_err=$({ { dd bs=${UPLOAD_BLOCK} count=$nr_q iflag=fullblock 2>/dev/null; [ "$nr_r" = 0 ] || dd bs=$nr_r count=1 iflag=fullblock 2>/dev/null; } | gzip -dc | (cd "$nr_tmp" && tar -xf -); } 2>&1)
  # One line: the last line on stderr is the one that names the problem.
  nr_all=$nr_err nr_err=\${nr_err%%"$nr_nl"*}
  nr_s=$(cd "$nr_tmp" && sha256sum ${SUMS_NAME} 2>/dev/null)
  if [ "\${nr_s%% *}" != "$nr_id" ] || ! (cd "$nr_tmp" && sha256sum -c ${SUMS_NAME}) >/dev/null 2>&1; then
    case $nr_all in
      *"No space"*|*"space left"*) nr_fail ${EXIT_RUNTIME_WRITE} "no space left in $nr_new for norouter's Node runtime (${'$'}((nr_size / 1048576)) MB compressed)" ;;
      *) nr_fail ${EXIT_RUNTIME_DAMAGED} "the Node runtime arrived incomplete or damaged in $nr_new: \${nr_err:-checksum mismatch}" ;;
    esac
  fi
  # One link wins; a loser uses the winner's runtime when it checks out, else its own copy.
  trap - EXIT HUP INT TERM
  nr_publish "$nr_tmp" "$nr_new"
  nr_tmp=
fi
nr_use=$(cd -P "$nr_use" && pwd) || nr_fail ${EXIT_RUNTIME_DAMAGED} "the runtime directory vanished"
nr_say exec runtime "$nr_use"
unset LD_PRELOAD LD_LIBRARY_PATH
exec "$nr_use/$nr_loader" --inhibit-cache --library-path "$nr_use" "$nr_use/node" "$nr_import" -e 0 "$@"
exit 70
}
`;
}
