/**
 * Shell functions shared by the bootstrap script (shell-script.ts) and the installer
 * (installer.ts), both run by a host's POSIX sh (docs/protocol.md §12.2): choosing a cache
 * directory and checking a cached runtime. They expect nr_id (the runtime id), nr_names (its
 * files), nr_uid, nr_why and an nr_say function to be defined by the caller.
 */
import { SUMS_NAME } from './runtime-archive.js';

/** The cache directories tried in order when the manifest names none, as sh words. */
export const CANDIDATES = '${XDG_CACHE_HOME:+"$XDG_CACHE_HOME/norouter"} ${HOME:+"$HOME/.cache/norouter"} "/tmp/norouter-$nr_uid" "/dev/shm/norouter-$nr_uid"';

export function cacheFunctions(): string {
  return `# A directory we own, nobody else may write, and where a file can be executed (noexec is tried for real).
nr_usable() {
  # Never chmod through a link someone planted where our directory should be.
  [ ! -L "$1" ] || { nr_why="$nr_why; $1: a symbolic link"; return 1; }
  mkdir -p "$1" 2>/dev/null && chmod 700 "$1" 2>/dev/null || { nr_why="$nr_why; $1: cannot create it"; return 1; }
  # A trailing "." is an SELinux context (Fedora, RHEL); "+" (an ACL) may grant others access.
  case $(ls -ldn "$1" 2>/dev/null) in "drwx------ "*|"drwx------. "*) ;; *) nr_why="$nr_why; $1: not a private directory"; return 1 ;; esac
  nr_o=$(ls -ldn "$1" | { read -r _ _ nr_u _; echo "$nr_u"; })
  [ "$nr_o" = "$nr_uid" ] || { nr_why="$nr_why; $1: owned by uid $nr_o"; return 1; }
  # mktemp: a name of this writer's own, even where containers share the directory (pids repeat).
  nr_x=$(mktemp "$1/.exec-test.XXXXXX" 2>/dev/null) || { nr_why="$nr_why; $1: not writable"; return 1; }
  if ! { printf '#!/bin/sh\\nexit 0\\n' > "$nr_x" && chmod 700 "$nr_x"; } 2>/dev/null; then
    rm -f "$nr_x"; nr_why="$nr_why; $1: not writable"; return 1
  fi
  "$nr_x" 2>/dev/null; nr_r=$?; rm -f "$nr_x"
  [ "$nr_r" = 0 ] || { nr_why="$nr_why; $1: cannot execute files there (noexec?)"; return 1; }
}
# What identifies each file as the one last checked: a file rewritten in any way changes its ctime.
nr_stamp() { (cd "$1" && stat -c '%n %s %i %Y %Z' $nr_names) 2>/dev/null; }
# 0: the runtime in $1 is complete and unchanged; 1: absent; 2: damaged (removed).
nr_check() {
  # A link whose runtime is gone (a /tmp cleaner ages files out one by one) is absent: removed,
  # so that a new runtime can be published under the name.
  [ -f "$1/${SUMS_NAME}" ] || { [ ! -L "$1" ] || rm -f "$1"; return 1; }
  nr_s=$(sha256sum "$1/${SUMS_NAME}" 2>/dev/null)
  if [ "\${nr_s%% *}" = "$nr_id" ]; then
    nr_now=$(nr_stamp "$1")
    [ -n "$nr_now" ] && [ -f "$1/.stamp" ] && [ "$nr_now" = "$(cat "$1/.stamp")" ] && return 0
    if (cd "$1" && sha256sum -c ${SUMS_NAME}) >/dev/null 2>&1; then
      nr_x=$(mktemp "$1/.stamp.XXXXXX") && printf '%s\\n' "$nr_now" > "$nr_x" && mv -f "$nr_x" "$1/.stamp"
      return 0
    fi
  fi
  nr_say note damaged "$1"
  nr_real=$(cd -P "$1" 2>/dev/null && pwd)
  rm -f "$1"; [ -n "$nr_real" ] && rm -rf "$nr_real"
  return 2
}
# Publishes the verified runtime in $1 as $2/$nr_rt with one atomic link, and sets nr_use to what
# to run: the link, when ours won or another writer's checks out; else our own copy, unlinked.
# A name taken by a dangling or damaged link is freed by nr_check, then tried once more.
nr_publish() {
  nr_stamp "$1" > "$1/.stamp"
  for nr_try in 1 2; do
    if ln -sn "\${1##*/}" "$2/$nr_rt" 2>/dev/null; then nr_use=$2/$nr_rt; return 0; fi
    if nr_check "$2/$nr_rt"; then rm -rf "$1"; nr_use=$2/$nr_rt; return 0; fi
  done
  nr_use=$1
}
`;
}
