// context.ip: from the connection, from X-Forwarded-For only when the peer is a trusted proxy, anonymized on request.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allEvents, startServer, tempDataDir } from '../helpers/server-process.js';

const KEY = 'client-ip-key-1';

async function ipsSeen(yaml: string): Promise<Record<string, unknown>> {
  const dir = tempDataDir();
  const config = join(dir, 'sluice.yaml');
  writeFileSync(config, `sources:\n  - name: app\n    write_keys: [${KEY}]\n${yaml}`);
  const server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', config] });
  try {
    const send = (messageId: string, headers: Record<string, string>, context?: object): Promise<Response> =>
      fetch(`${server.url}/v1/track?writeKey=${KEY}`, { method: 'POST', headers, body: JSON.stringify({ messageId, userId: 'u', event: 'E', context }) });
    assert.equal((await send('direct', {})).status, 200);
    assert.equal((await send('forwarded', { 'x-forwarded-for': '203.0.113.9' })).status, 200);
    assert.equal((await send('client-said', {}, { ip: '198.51.100.7' })).status, 200);
    assert.equal((await send('v6', { 'x-forwarded-for': '2001:db8:85a3:1:2:3:4:5' })).status, 200);
    const events = await allEvents(server);
    return Object.fromEntries(events.map((e) => [e.event.messageId, (e.event.context as { ip?: string }).ip]));
  } finally {
    await server.stop();
  }
}

test('X-Forwarded-For is ignored unless the peer is a trusted proxy', async () => {
  assert.deepEqual(await ipsSeen(''), { direct: '127.0.0.1', forwarded: '127.0.0.1', 'client-said': '198.51.100.7', v6: '127.0.0.1' });
});

test('behind a trusted proxy, the forwarded address is used; anonymize_ip zeroes the host part', async () => {
  assert.deepEqual(await ipsSeen('server:\n  trusted_proxies: [127.0.0.1]\n'), {
    direct: '127.0.0.1',
    forwarded: '203.0.113.9',
    'client-said': '198.51.100.7',
    v6: '2001:db8:85a3:1:2:3:4:5',
  });
  assert.deepEqual(await ipsSeen('server:\n  trusted_proxies: [127.0.0.1]\nprivacy:\n  anonymize_ip: true\n'), {
    direct: '127.0.0.0',
    forwarded: '203.0.113.0',
    'client-said': '198.51.100.0',
    v6: '2001:db8:85a3::',
  });
});
