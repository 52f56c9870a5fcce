// Builds the single-file CLI, dist/norouter.cjs: the package's `bin`, the agent that remote hosts
// run, and the bundle that bootstrap sends over stdin. One file with every dependency inlined
// because loading one file is much cheaper than resolving hundreds of modules (docs/benchmarks.md, "norouter plan", asks
// `norouter plan` to cost at most 1.5x `node -e 0`); modules only some commands need are
// imported dynamically, which esbuild turns into lazily-initialised wrappers, so `plan` never
// evaluates the runtime, watcher or DNS code. CommonJS, not ESM: an ESM bundle hoists every
// node: import to the top, so `plan` would load net, child_process and dgram for nothing; a
// CommonJS bundle keeps those require() calls inside the lazy wrappers. It also lets a bootstrap
// loader compile the bundle from a string (docs/protocol.md §12). The file written is that bundle wrapped in a
// loader that keeps a V8 code cache of it (scripts/code-cache-loader.mjs).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { withCodeCache } from './code-cache-loader.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const result = await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/norouter.cjs',
  write: false,
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
  logLevel: 'warning',
});

const [bundle] = result.outputFiles;
if (!bundle || result.outputFiles.length !== 1) throw new Error('Assertion failed: esbuild did not produce exactly one file');
mkdirSync('dist', { recursive: true });
// The commands (src/cli/commands) whose code cache is kept apart from the others'.
// The minimum Node version is package.json's engines (">=MAJOR.MINOR"), checked first at every start.
const minNode = /^>=(\d+)\.(\d+)$/.exec(pkg.engines?.node ?? '')?.slice(1).map(Number);
if (!minNode) throw new Error('Assertion failed: package.json engines.node is not ">=MAJOR.MINOR"');
writeFileSync('dist/norouter.cjs', withCodeCache(bundle.text, ['plan', 'validate', 'run', 'internal', 'show-example', 'demo'], minNode));
