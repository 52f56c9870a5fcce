import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogLimiter } from '../../src/net/log-limiter.js';

// Found by the soak (docs/reliability.md, bug 13): one line per connection reset by a peer, 4,549
// in 4 minutes.
test('per kind, the first lines of a window are logged and the rest summed up when it ends', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const lines: string[] = [];
    const news = new LogLimiter((l) => lines.push(l), 2, 1000);
    for (let i = 0; i < 5; i++) news.line('reset by peer: reset', `conn ${i} reset`);
    news.line('dial 10.0.0.1:80 failed: ECONNREFUSED', 'dial failed');
    assert.deepEqual(lines, ['conn 0 reset', 'conn 1 reset', 'dial failed']);
    mock.timers.tick(1000);
    assert.deepEqual(lines.slice(3), ['… and 3 more like that (reset by peer: reset) in the last 1 s']);
    news.line('reset by peer: reset', 'conn 9 reset');
    assert.equal(lines.at(-1), 'conn 9 reset', 'a new window shows lines again');
    news.flush();
    assert.equal(lines.length, 5, 'nothing held back: no summary');
  } finally {
    mock.timers.reset();
  }
});
