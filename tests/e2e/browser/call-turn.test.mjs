// The TURN path: Debian's coturn, started here on loopback with use-auth-secret, and roomd handing
// out TURN REST credentials for it (--turn-url, --turn-secret). Both pages allow relay
// candidates only (iceTransportPolicy "relay"), so their call connects through coturn with
// roomd's credentials or not at all; a roomd with the wrong secret gets no route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, FAKE_MEDIA_ARGS } from '../lib/browser.mjs';

const TURNSERVER = process.env.TURNSERVER_BIN || '/usr/bin/turnserver';
const SECRET = 'turn-test-secret-' + Math.random().toString(36).slice(2);
let turn, turnLog, tmp, br;

/** A free TCP port (coturn listens on UDP and TCP at the same number). */
function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

let turnPort;
before(async () => {
  assert.ok(fs.existsSync(TURNSERVER), `coturn is installed (tools/bootstrap): ${TURNSERVER}`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coturn-'));
  turnPort = await freePort();
  const relayFrom = 40000 + Math.floor(Math.random() * 20000);
  turnLog = '';
  turn = spawn(
    TURNSERVER,
    [
      '-n', // no config file
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${turnPort}`,
      `--min-port=${relayFrom}`,
      `--max-port=${relayFrom + 200}`,
      '--use-auth-secret',
      `--static-auth-secret=${SECRET}`,
      '--realm=rooms.test',
      '--allow-loopback-peers', // the peers are two pages on this machine
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--log-file=stdout',
      '--verbose',
      `--pidfile=${path.join(tmp, 'turn.pid')}`,
      `--userdb=${path.join(tmp, 'turn.db')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  turn.stdout.on('data', (d) => (turnLog = (turnLog + d).slice(-200_000)));
  turn.stderr.on('data', (d) => (turnLog = (turnLog + d).slice(-200_000)));
  const deadline = Date.now() + 10_000;
  while (!/listener opened on|IPv4. (UDP|TCP) listener/i.test(turnLog) && Date.now() < deadline) await sleep(50);
  br = await launch({ args: FAKE_MEDIA_ARGS });
});
after(async () => {
  await br?.close();
  turn?.kill('SIGTERM');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function twoPagesInACall(roomd) {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const s = await r.json();
  const pages = [];
  for (const [name, key] of [
    ['Tess', s.interviewerKey],
    ['Uri', null],
  ]) {
    const page = await br.newPage();
    await page.goto(`${roomd.url}/room/${s.sessionId}${key ? `#key=${key}` : ''}`);
    await joinAs(page, name);
    await page.evaluate(() => (window.__room.call.forceRelay = true));
    await page.click('#call-join-video');
    await page.waitForFunction(() => window.__room.call.state.joined);
    pages.push(page);
  }
  return pages;
}

test('with roomd\'s TURN credentials, a relay-only call connects through coturn', async () => {
  const roomd = await startRoomd({ extraArgs: ['--turn-url', `turn:127.0.0.1:${turnPort}?transport=udp`, '--turn-secret', SECRET] });
  try {
    const pages = await twoPagesInACall(roomd);
    for (const p of pages)
      await p.waitForFunction(() => window.__room.call.state.peers.some((x) => x.connection === 'connected' && x.videoTracks >= 1 && x.audioTracks >= 1), null, { timeout: 30_000 });
    for (const p of pages) {
      // "connected" can come a moment before the stats name the pair in use: wait for them.
      await p.waitForFunction(async () => (await window.__room.call.candidateTypes()).every((t) => t.local), null, { timeout: 10_000 }).catch(() => {});
      const types = await p.evaluate(() => window.__room.call.candidateTypes());
      assert.equal(types.length, 1);
      assert.equal(types[0].local, 'relay', `the pair in use is relayed: ${JSON.stringify(types)}`);
    }
    // coturn saw allocations under the TURN REST username roomd signed ("<expiry>:<random>").
    assert.match(turnLog, /\d{10}:[0-9a-f]{16}/, 'coturn logged a TURN REST username');
    for (const p of pages) await p.context().close();
  } finally {
    await roomd.stop();
  }
});

test('with a wrong secret there is no relay: the call says why and suggests TURN is the way', async () => {
  const roomd = await startRoomd({ extraArgs: ['--turn-url', `turn:127.0.0.1:${turnPort}?transport=udp`, '--turn-secret', 'not-the-secret'] });
  try {
    const pages = await twoPagesInACall(roomd);
    await pages[0].waitForFunction(() => /Could not connect/.test(window.__room.call.state.status), null, { timeout: 40_000 });
    const st = await pages[0].evaluate(() => window.__room.call.state);
    assert.ok(!st.peers.some((x) => x.connection === 'connected'), JSON.stringify(st.peers));
    assert.match(st.status, /TURN relay/);
    for (const p of pages) await p.context().close();
  } finally {
    await roomd.stop();
  }
});
