// Builds the single-file CLI, dist/norouter.cjs: the package's `bin`, the agent that remote hosts
// run, and the bundle that bootstrap sends over stdin. One file with every dependency inlined
// because loading one file is much cheaper than resolving hundreds of modules (issue 2 asks
// `norouter plan` to cost at most 1.5x `node -e 0`); modules only some commands need are
// imported dynamically, which esbuild turns into lazily-initialised wrappers, so `plan` never
// evaluates the runtime, watcher or DNS code. CommonJS, not ESM: an ESM bundle hoists every
// node: import to the top, so `plan` would load net, child_process and dgram for nothing; a
// CommonJS bundle keeps those require() calls inside the lazy wrappers. It also lets a bootstrap
// loader compile the bundle from a string (issue 7).
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/norouter.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Whitespace and syntax only: identifiers stay readable in the stack trace of a bug report.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: 'none',
  define: { __NOROUTER_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});

// TEMPORARY while the e2e helpers still spawn dist/norouter.mjs: an ESM shim to the bundle.
writeFileSync('dist/norouter.mjs', "import { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('./norouter.cjs');\n");
