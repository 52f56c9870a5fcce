// Wraps the bundle in a small loader that keeps a V8 code cache of it (docs/benchmarks.md, "norouter plan"). Node 20 has no
// module.enableCompileCache, and without a cache every run compiles each function it calls, about
// a sixth of `norouter plan`'s wall time. The output stays one self-contained file (remote hosts
// receive it over stdin, docs/protocol.md §12): the bundle is embedded as a string literal and compiled with
// vm.Script, whose cached data, taken when the process exits, holds the bytecode of every function
// the run compiled. Commands run different code, so each keeps its own cache: a cache written by
// `norouter --version` would leave `plan` compiling its YAML parser every time.
import { createHash } from 'node:crypto';

/**
 * The loader's runtime. Never called here: its source text is written into dist/norouter.cjs,
 * where `require`, `module`, `exports`, `__filename` and `__dirname` are the CommonJS ones.
 */
/* global require, module, exports, __filename, __dirname */
function load(code, key, commands, minNode) {
  // One minimum for every route (src/bootstrap/constants.ts, package.json's engines): an older
  // node gets this line and status 78, the bootstrap loader's, not an obscure failure later.
  const have = process.versions.node.split('.').map(Number);
  if (have[0] < minNode[0] || (have[0] === minNode[0] && have[1] < minNode[1])) {
    process.stderr.write(`norouter: node v${process.versions.node} (${process.execPath}) is too old: norouter needs Node.js >= ${minNode.join('.')}\n`);
    process.exit(78);
  }
  const { Script } = require('node:vm');
  const fs = require('node:fs');
  const path = require('node:path');
  let dir;
  let file;
  let cached;
  // A bootstrap (src/bootstrap/loader.ts sets this global) runs from memory on a host
  // where norouter is not installed, and must write nothing there: no cache, read or written.
  if (!globalThis.__norouterBootstrap) {
    try {
      const base = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || require('node:os').homedir(), '.cache');
      dir = path.join(base, 'norouter');
      const command = commands.includes(process.argv[2]) ? process.argv[2] : 'other';
      file = path.join(dir, `${key}-${process.version}-${process.arch}-${command}.v8cache`);
      cached = fs.readFileSync(file);
    } catch {
      // No cache yet, or no usable cache directory: compile from source.
    }
  }
  // `code` arrives inside the CommonJS wrapper (withCodeCache puts it there), so the bundle sees
  // the same five bindings as a file Node loads itself, and compiling it makes no second copy of
  // the bundle's text (the Script keeps its source for as long as the process runs).
  const script = new Script(code, { filename: __filename, cachedData: cached });
  if (file !== undefined && (cached === undefined || script.cachedDataRejected)) {
    // At exit the script has compiled whatever this run needed; write the cache atomically (a temp
    // file, then rename) so a concurrent run never reads half of one. Any failure (a read-only
    // HOME, a full disk) only means the next run compiles from source again.
    process.once('exit', () => {
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, file);
        // Caches of other builds would pile up with every rebuild of a checkout: a new build is
        // the moment to remove them. Only code caches: the directory also keeps the router's
        // runtime archive and hashes (src/bootstrap/runtime-archive.ts).
        for (const name of fs.readdirSync(dir)) if (name.endsWith('.v8cache') && !name.startsWith(`${key}-`)) fs.rmSync(path.join(dir, name), { force: true });
      } catch {
        try {
          fs.rmSync(tmp, { force: true });
        } catch {
          // Nothing left to do.
        }
      }
    });
  }
  script.runInThisContext()(exports, require, module, __filename, __dirname);
}

/**
 * The text of dist/norouter.cjs: a shebang, the loader, and `code` (CommonJS, no shebang) as a
 * string. `commands` are the first arguments that get a cache of their own; others share one.
 */
export function withCodeCache(code, commands, minNode) {
  // The cache is valid for exactly this bundle; the Node version and arch are added at run time.
  const key = createHash('sha256').update(code).digest('hex').slice(0, 16);
  return `#!/usr/bin/env node\n"use strict";\n// Built by scripts/build.mjs; see scripts/code-cache-loader.mjs.\n(${load.toString()})(${JSON.stringify(`(function (exports, require, module, __filename, __dirname) {${code}\n})`)}, ${JSON.stringify(key)}, ${JSON.stringify(commands)}, ${JSON.stringify(minNode)});\n`;
}
