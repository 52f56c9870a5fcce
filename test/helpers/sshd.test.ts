import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canRunSshd, startSshd } from './sshd.js';
import { run } from './processes.js';

const skip = canRunSshd();

test('startSshd: a real ssh logs in with the test key and runs a command', { skip }, async () => {
  const sshd = await startSshd();
  try {
    const result = await run(sshd.sshCmd('echo', 'ok'));
    assert.equal(result.code, 0, `ssh failed: ${result.stderr}\nsshd log:\n${sshd.log()}`);
    assert.equal(result.stdout, 'ok\n');
    // stdin is piped through, as an agent's frames will be.
    const cat = await run(sshd.sshCmd('cat'), { input: 'frames' });
    assert.equal(cat.stdout, 'frames');
  } finally {
    await sshd.stop();
  }
});
