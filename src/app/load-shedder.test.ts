import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadShedder } from './load-shedder.js';

test('one late tick is a pause, not overload; late ticks in a row are; on-time ticks end it', () => {
  const shedder = new LoadShedder(50, null);
  shedder.record(3);
  assert.equal(shedder.overloaded(), false);
  shedder.record(400);
  assert.equal(shedder.overloaded(), false, 'a single late tick (GC, start-up work) does not shed');
  shedder.record(120);
  assert.equal(shedder.overloaded(), true, 'two late ticks in a row: requests are queueing');
  shedder.record(80);
  assert.equal(shedder.overloaded(), true);
  shedder.record(2);
  assert.equal(shedder.overloaded(), false, 'recovers as soon as the loop is on time');
});

test('the timer measures real lag: a busy loop tick after tick trips it', async () => {
  const shedder = new LoadShedder(30, 5);
  try {
    for (let i = 0; i < 4; i++) {
      const end = performance.now() + 60;
      while (performance.now() < end) {
        // keep the event loop busy, as under overload
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.equal(shedder.overloaded(), true);
  } finally {
    shedder.stop();
  }
});
