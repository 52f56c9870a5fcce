/**
 * `--open-editor` (`-e`), the original NoRouter's way to start: the example opens in the user's
 * editor on a real terminal (tmux), and what is saved runs. Guards that a saved, valid manifest
 * runs (every host up), that a file saved with errors is reported and opened again after RETURN,
 * that quitting without saving runs nothing, and that the temporary file is removed on exit.
 * The meshes are local only: a host without `cmd` and a host whose `cmd` is `norouter`, which
 * `run` finds on its own PATH (src/cli/self-on-path.ts) even where norouter is not installed.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ARGV, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { Terminal, TMUX_SKIP } from './tmux.js';

const dir = mkdtempSync(join(tmpdir(), 'norouter-editor-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A PATH without any norouter on it, so that only the router's own launcher can answer. */
const PATH = (process.env.PATH ?? '').split(':').filter((d) => d && !existsSync(join(d, 'norouter'))).join(':');

function localManifest(): string {
  return `hosts:\n  here:\n    vip: "${nextVip()}"\n  other:\n    cmd: ["norouter"]\n    vip: "${nextVip()}"\n`;
}

describe('norouter --open-editor on a real terminal', { skip: TMUX_SKIP, timeout: 60_000 }, () => {
  test('a scripted editor: errors are shown and the file reopened; the valid save runs, Ctrl-C stops it', async () => {
    const valid = join(dir, 'valid.yaml');
    writeFileSync(valid, localManifest());
    const log = join(dir, 'editor.log');
    const editor = join(dir, 'editor.sh');
    // First call: a manifest with an error; second call: the valid one. Each call logs the file.
    writeFileSync(editor, `#!/bin/sh\necho "$1" >> '${log}'\nif [ "$(wc -l < '${log}')" -eq 1 ]; then printf 'hosts:\\n  a:\\n    vip: "300.1.1.1"\\n' > "$1"; else cat '${valid}' > "$1"; fi\n`);
    chmodSync(editor, 0o755);
    const term = new Terminal([...CLI_ARGV, '--open-editor'], { EDITOR: editor, PATH });
    try {
      await term.waitForText(/Press RETURN to edit it again/, 15_000);
      assert.match(term.screen(), /norouter\.yaml:3:\d+: error\[E\d+\]/);
      term.keys('Enter');
      const screen = await term.waitForText(/ready in \d+ ms: 2 hosts up/, 20_000);
      assert.match(screen, /running the manifest saved in /);
      term.keys('C-c');
      assert.equal(await term.exitStatus(15_000), 0, term.screen());
      const files = readFileSync(log, 'utf8').trim().split('\n');
      assert.equal(files.length, 2);
      assert.equal(files[0], files[1], 'the same file is reopened');
      assert.ok(!existsSync(files[0]!), `${files[0]} was not removed`);
    } finally {
      term.close();
    }
  });

  test('real vi: the example is replaced by a manifest with an error, saved, reopened after RETURN, fixed, and runs', { skip: !which('vi') && 'vi is not installed' }, async () => {
    const manifest = join(dir, 'vi.yaml');
    writeFileSync(manifest, localManifest());
    const broken = join(dir, 'vi-broken.yaml');
    writeFileSync(broken, 'hosts:\n  a:\n    vip: "127.0.42.1"\n    portz: []\n');
    const term = new Terminal([...CLI_ARGV, 'show-example', '-e'], { EDITOR: 'vi -u NONE', PATH });
    const replaceWith = (file: string) => {
      for (const command of [':%d', `:r ${file}`, ':wq']) {
        term.literal(command);
        term.keys('Enter');
      }
    };
    try {
      await term.waitForText(/norouter --open-editor: edit this manifest/, 15_000);
      replaceWith(broken);
      await term.waitForText(/Press RETURN to edit it again/, 15_000);
      assert.match(term.screen(), /unknown key "portz".*did you mean "ports"/);
      term.keys('Enter');
      // vi is back, on the file as it was saved.
      await term.waitForText(/^\s*portz: \[\]/m, 15_000);
      replaceWith(manifest);
      await term.waitForText(/ready in \d+ ms: 2 hosts up/, 20_000);
      term.keys('C-c');
      assert.equal(await term.exitStatus(15_000), 0, term.screen());
    } finally {
      term.close();
    }
  });

  test('real vi, quit without saving: nothing runs, exit 0', { skip: !which('vi') && 'vi is not installed' }, async () => {
    const term = new Terminal([...CLI_ARGV, 'manager', '-e'], { EDITOR: 'vi -u NONE', PATH });
    try {
      await term.waitForText(/norouter --open-editor: edit this manifest/, 15_000);
      term.literal(':q!');
      term.keys('Enter');
      assert.equal(await term.exitStatus(15_000), 0, term.screen());
      assert.match(term.screen(), /the manifest was not saved: nothing to run/);
      assert.doesNotMatch(term.screen(), /ready in/);
    } finally {
      term.close();
    }
  });
});
