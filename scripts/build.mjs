// Builds the single-file CLI, dist/norouter.mjs: the package's `bin`, the agent that remote hosts
// run, and the bundle that bootstrap sends over stdin. One file with every dependency inlined
// because loading one file is much cheaper than resolving hundreds of modules (issue 2 asks
// `norouter plan` to cost at most 1.5x `node -e 0`); modules only some commands need are
// imported dynamically, which esbuild turns into lazily-initialised wrappers, so `plan` never
// evaluates the runtime, watcher or DNS code.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/norouter.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: false,
  sourcemap: false,
  legalComments: 'none',
  define: { __NOROUTER_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies call require() for node builtins; give the ESM bundle one.
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __nr_createRequire } from 'node:module';",
      'const require = __nr_createRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
