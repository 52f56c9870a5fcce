/**
 * Text a host controls reaches the router's terminal escaped. Was a bug: agent stderr (a
 * container's own output) was printed raw, line by line, so an escape sequence could clear the
 * screen, set the window title, and a CR or a newline could forge a `norouter:` line; the same
 * held for a GOODBYE's message, the listen failures of a STATUS (shown in the summary and the
 * log), and the last stderr lines quoted when an agent exits. The fixture agent puts ESC
 * sequences, BEL, CR, a C1 CSI and forged lines in every one of them; the router's whole output
 * must hold none of those characters, and no line it prints may begin with a forged prefix.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startMesh } from '../helpers/mesh.js';
import { nextVip } from '../helpers/vips.js';
import { TSX_LOADER } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/control-text-agent.ts', import.meta.url));
/** What a terminal acts on: C0 controls but tab (newlines are split off already), DEL, C1. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/u;

describe('terminal controls in what a host sends', { timeout: 60_000 }, () => {
  test('agent stderr, GOODBYE, STATUS and exit tails are escaped; nothing is forged', async () => {
    const mesh = await startMesh([
      { name: 'local', vip: nextVip() },
      { name: 'evil', vip: nextVip(), cmd: [process.execPath, '--import', TSX_LOADER, FIXTURE] },
    ], 30_000);
    try {
      await mesh.router.waitForLine(/^\[evil\] stderr \\x1b\[2J\\x1b\]0;pwned\\x07\\rnorouter: forged\\x9b31m$/, 20_000);
      await mesh.router.waitForLine(/^norouter: evil: link down: it said goodbye \(shutting-down: bye\\nnorouter: forged goodbye \\x1b\[2J/, 20_000);
      await mesh.router.waitForLine(/^norouter: evil: agent exited with status 3 after [\d.]+ s; its last lines:$/, 20_000);
      await mesh.router.waitForLine(/^ {2}\| stderr \\x1b\[2J\\x1b\]0;pwned\\x07\\rnorouter: forged/, 20_000);
      // The first STATUS lands in the summary; it names the failure, escaped.
      assert.match(mesh.router.output(), /^\s+evil\s.*not listening on [\d.]+:7000\\x1b\[2J.* \(EADDRINUSE\\x1b\[2J/m);
      const lines = mesh.router.lines.map((l) => l.text);
      const raw = lines.filter((l) => CONTROL.test(l));
      assert.deepEqual(raw, [], 'lines with raw control characters');
      assert.deepEqual(lines.filter((l) => /^norouter: forged/.test(l)), [], 'forged lines');
    } finally {
      await mesh.stop();
    }
  });
});
