import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { quoteShellCommand, quoteShellWord, splitShellWords } from '../../src/shell/shell-words.js';

const words = (text: string) => {
  const r = splitShellWords(text);
  assert.ok(r.ok, text);
  return r.words;
};

test('splits like sh', () => {
  assert.deepEqual(words('docker exec -i c1 norouter'), ['docker', 'exec', '-i', 'c1', 'norouter']);
  assert.deepEqual(words("  a  'b c'\t\"d \\\" \\$ \\` \\\\ \\x\" e\\ f "), ['a', 'b c', 'd " $ ` \\ \\x', 'e f']);
  assert.deepEqual(words("a''b '' \"\""), ['ab', '', '']);
  assert.deepEqual(words('a\\\nb "c\\\nd"'), ['ab', 'cd']);
  assert.deepEqual(words('$HOME *.txt a|b'), ['$HOME', '*.txt', 'a|b']);
  assert.deepEqual(words(''), []);
});

test('reports unterminated quotes and a trailing backslash with their index', () => {
  assert.deepEqual(splitShellWords("a 'b"), { ok: false, error: 'unterminated single quote', index: 2 });
  assert.deepEqual(splitShellWords('a "b\\"'), { ok: false, error: 'unterminated double quote', index: 2 });
  assert.deepEqual(splitShellWords('a \\'), { ok: false, error: 'trailing backslash (it escapes nothing)', index: 2 });
});

test('quotes only what needs quoting', () => {
  assert.equal(quoteShellWord('user@host:/a-b_c.d,e+f=g%'), 'user@host:/a-b_c.d,e+f=g%');
  assert.equal(quoteShellWord(''), "''");
  assert.equal(quoteShellWord("it's"), "'it'\\''s'");
  assert.equal(quoteShellCommand(['FOO=1', 'if', 'a b']), "'FOO=1' if 'a b'");
});

/** Random words over an alphabet rich in the characters shells treat specially. */
function randomWord(random: () => number): string {
  const alphabet = "ab Z09_-=@%:,./'\"\\$`!*?[]{}()<>|&;#~\t\né";
  let w = '';
  for (let n = Math.floor(random() * 8); n > 0; n--) w += alphabet.charAt(Math.floor(random() * alphabet.length));
  return w;
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

test('quoteShellCommand round-trips through splitShellWords for random argv', () => {
  const random = seeded(42);
  for (let i = 0; i < 2000; i++) {
    // Tab is left out: it is written with printf (below), which only a real shell runs.
    const argv = Array.from({ length: 1 + Math.floor(random() * 5) }, () => randomWord(random).replace(/\t/g, ' '));
    assert.deepEqual(words(quoteShellCommand(argv)), argv, JSON.stringify(argv));
  }
});

test('quoted commands mean the same to a real sh', () => {
  const random = seeded(7);
  for (let i = 0; i < 20; i++) {
    const argv = ['printf', '%s\\0', ...Array.from({ length: 4 }, () => randomWord(random))];
    const out = execFileSync('sh', ['-c', quoteShellCommand(argv)], { encoding: 'utf8' });
    assert.deepEqual(out.split('\0').slice(0, -1), argv.slice(2));
  }
});

// Regression: `plan` printed a word holding control characters inside plain single quotes, and
// pasting the line into an interactive bash ran a command (the line editor acts on ^C, ^U, CR,
// tab). Such characters are now written with printf: the printed line holds none of them, and
// dash (which cannot read bash's $'…'), bash and busybox sh all read back the exact bytes.
const CONTROLS = ['\x1b[2J', '\t', '\r', '\x03', '\x15', '\x7f', '\x9b', '\u202e', '\x01x', 'a\nb', "q'\x1bq", '\x1b]0;title\x07'];

test('words with control characters print without them and read back exactly in dash, bash and busybox sh', (t) => {
  const argv = ['printf', '%s\\0', ...CONTROLS, 'plain é'];
  const line = quoteShellCommand(argv);
  assert.doesNotMatch(line, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  for (const shell of [['dash'], ['bash'], ['busybox', 'sh']]) {
    let out: string;
    try {
      out = execFileSync(shell[0] ?? '', [...shell.slice(1), '-c', line], { encoding: 'utf8' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        t.diagnostic(`${shell.join(' ')} is not installed: skipped`);
        continue;
      }
      throw error;
    }
    assert.deepEqual(out.split('\0').slice(0, -1), argv.slice(2), shell.join(' '));
  }
});
