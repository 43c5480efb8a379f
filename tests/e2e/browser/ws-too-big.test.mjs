// No browser (`ws`, which writes a frame the way browsers do: the whole of it, at once): a message
// over --max-message-bytes (default 1 MiB) closes with 1009, every time, even though the client is
// still writing the frame when roomd refuses it at its header. (roomd drains what the client still
// sends after its close frame; closing with those bytes unread would reset the connection, and a
// reset client reports 1006 instead.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startRoomd } from '../lib/roomd.mjs';

let roomd, sessionId;

before(async () => {
  roomd = await startRoomd();
  const res = await fetch(`${roomd.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'too big' }),
  });
  assert.equal(res.status, 201);
  sessionId = (await res.json()).sessionId;
});
after(async () => {
  await roomd?.stop();
});

/** Opens a socket, sends one text message of `size` bytes, resolves with the close code. */
function closeCodeAfterSending(size) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${roomd.port}/ws/${sessionId}`);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no close within 20 s (${size} bytes)`));
    }, 20_000);
    ws.on('open', () => ws.send('x'.repeat(size)));
    ws.on('error', () => {}); // a reset shows as close 1006, which is what the test looks at
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

for (const size of [1_100_000, 20 << 20]) {
  test(`a ${size}-byte message closes with 1009, 20 times out of 20`, async () => {
    const codes = [];
    for (let run = 0; run < 20; run++) codes.push(await closeCodeAfterSending(size));
    assert.deepEqual(codes, Array(20).fill(1009));
  });
}

test('after the oversized ones, a normal client still gets its pong', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${roomd.port}/ws/${sessionId}`);
  await new Promise((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'ping', ref: 'p' })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'pong' && m.ref === 'p') resolve();
    });
    ws.on('error', reject);
  });
  ws.close();
});
