/**
 * `norouter --open-editor` (`-e`, also on `run` and `show-example`), as the original NoRouter
 * had it: the example manifest is written to a temporary file and opened in the user's editor;
 * when the editor exits with the file saved, it runs. A file saved with errors is reported and,
 * after RETURN, opened again; a file not saved runs nothing. The file is removed on the way out.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EXAMPLE_MANIFEST } from './example-manifest.js';
import { EXIT_BAD_INPUT, EXIT_OK } from '../meta/exit-codes.js';
import { loadAndReport } from '../manifest/load-plan.js';
import { runManifest, type RunIo } from './run-manifest.js';
import { findEditor, EditorError, type Editor } from './editor.js';
import { addExitCleanup } from '../fs/exit-cleanup.js';

const HEADER = `# norouter --open-editor: edit this manifest, save it and quit the editor to run it.
# Quit without saving to run nothing. This file is removed when norouter exits
# (\`norouter show-example > norouter.yaml\` writes the example to a file of your own).
`;

export async function runWithEditor(io: RunIo, flags: { watch: boolean; debug: boolean; metrics?: string }): Promise<number> {
  // The editor takes over the terminal; without one it would read a pipe or hang unseen.
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new EditorError('EDITOR_NEEDS_TERMINAL', '--open-editor needs a terminal as standard input and output; elsewhere write the example to a file (`norouter show-example > norouter.yaml`) and run it');
  }
  const editor = findEditor(process.env);
  const say = (line: string) => io.stderr.write(`norouter: ${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'norouter-editor-'));
  const file = join(dir, 'norouter.yaml');
  const remove = addExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  try {
    writeFileSync(file, HEADER + EXAMPLE_MANIFEST, { mode: 0o600 });
    for (;;) {
      const before = fingerprint(file);
      await edit(editor, file);
      if (fingerprint(file) === before) {
        say('the manifest was not saved: nothing to run');
        return EXIT_OK;
      }
      const loaded = await loadAndReport(file, io.stderr);
      if (loaded) {
        say(`running the manifest saved in ${file} (removed when norouter exits)`);
        return await runManifest(file, io, flags, loaded);
      }
      say('the manifest has errors (above). Press RETURN to edit it again, Ctrl-C or Ctrl-D to quit.');
      if (!(await pressedReturn())) return EXIT_BAD_INPUT;
    }
  } finally {
    remove();
  }
}

/** Modification time and content: a save that changes nothing still counts (vim's `:wq`). */
function fingerprint(file: string): string {
  return `${statSync(file, { bigint: true }).mtimeNs}\n${readFileSync(file, 'utf8')}`;
}

/**
 * Runs the editor on the terminal and waits for it. SIGINT is ignored meanwhile, as git does:
 * Ctrl-C belongs to the editor, and would otherwise kill norouter under it.
 */
function edit(editor: Editor, file: string): Promise<void> {
  const ignore = () => {};
  process.on('SIGINT', ignore);
  const [command, ...args] = editor.argv(file);
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command ?? '', args, { stdio: 'inherit' });
    child.once('error', (error) => reject(new EditorError('EDITOR_FAILED', `cannot start the editor ${editor.name}: ${error.message}`, { cause: error })));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new EditorError('EDITOR_FAILED', `the editor ${editor.name} exited with ${code === null ? `signal ${signal}` : `status ${code}`}: nothing run`));
    });
  }).finally(() => process.off('SIGINT', ignore));
}

/** Waits for a line on the terminal: true for RETURN, false for end of input or Ctrl-C. */
function pressedReturn(): Promise<boolean> {
  // terminal: false keeps the terminal in its normal mode, where it echoes and Ctrl-C is a signal.
  const rl = createInterface({ input: process.stdin, terminal: false });
  let onSigint = () => {};
  return new Promise<boolean>((resolve) => {
    onSigint = () => resolve(false);
    process.once('SIGINT', onSigint);
    rl.once('line', () => resolve(true));
    rl.once('close', () => resolve(false));
  }).finally(() => {
    rl.close();
    // Paused, stdin is not read while the editor has the terminal.
    process.stdin.pause();
    process.off('SIGINT', onSigint);
  });
}
