/**
 * What `norouter demo` runs (src/cli/commands/demo.ts): runDemo wired to the real router.
 * For tests (undocumented): NOROUTER_DEMO_NO_NAMESPACES=1 forces the fallback without
 * namespaces. `vips` comes from `--subnet` (src/demo/demo-subnet.ts).
 */
import type { Writable } from 'node:stream';
import { runDemo } from './run-demo.js';
import { EXIT_BAD_INPUT } from '../meta/exit-codes.js';
import { loadAndReport, selfCommand } from '../manifest/load-plan.js';

export async function runDemoCommand(
  context: { stdout: Writable; stderr: Writable }, vips?: readonly [string, string, string],
): Promise<number> {
  const self = selfCommand();
  return runDemo({
    stdout: context.stdout,
    stderr: context.stderr,
    self,
    ...(vips ? { vips } : {}),
    ...(process.env.NOROUTER_DEMO_NO_NAMESPACES
      ? { probe: async () => ({ ok: false as const, reason: 'NOROUTER_DEMO_NO_NAMESPACES is set' }) }
      : {}),
    async run(manifestPath) {
      const loaded = await loadAndReport(manifestPath, context.stderr);
      if (!loaded) return EXIT_BAD_INPUT;
      const { runRouter } = await import('../router/run-router.js');
      return runRouter(loaded.plan, {
        file: manifestPath, text: loaded.text, self, watch: false, debug: false,
        stdout: context.stdout, stderr: context.stderr,
      });
    },
  });
}
