/**
 * What `norouter demo` runs (src/cli/commands/demo.ts): runDemo wired to the real router.
 * For tests (undocumented): NOROUTER_DEMO_NO_NAMESPACES=1 forces the fallback without
 * namespaces; NOROUTER_DEMO_SUBNET=127.A.B moves the VIPs to 127.A.B.100-102 so that concurrent
 * runs do not collide.
 */
import type { Writable } from 'node:stream';
import { runDemo } from './run-demo.js';
import { EXIT_BAD_INPUT } from '../cli/exit-codes.js';
import { loadAndReport, selfCommand } from '../cli/load.js';

export async function runDemoCommand(context: { stdout: Writable; stderr: Writable }): Promise<number> {
  const self = selfCommand();
  const subnet = /^127\.\d{1,3}\.\d{1,3}$/.test(process.env.NOROUTER_DEMO_SUBNET ?? '') ? process.env.NOROUTER_DEMO_SUBNET : undefined;
  return runDemo({
    stdout: context.stdout,
    stderr: context.stderr,
    self,
    ...(subnet ? { vips: [`${subnet}.100`, `${subnet}.101`, `${subnet}.102`] as const } : {}),
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
