// roomd over TLS (--tls-cert, --tls-key) with a certificate made here by the openssl CLI:
// Chromium loads the room over https and joins over wss (the certificate trusted for this context
// only: ignoreHTTPSErrors), and `ws` (which writes a frame the way browsers do, the whole of it at
// once) still reads the 1009 after an oversized message over TLS: the draining close holds there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, waitForDoc } from '../lib/browser.mjs';

let roomd, br, dir, cert;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomd-tls-'));
  cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  roomd = await startRoomd({ extraArgs: ['--tls-cert', cert, '--tls-key', key] });
  br = await launch();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** POST /api/sessions over https, trusting our certificate (node:https with `ca`). */
async function createSession() {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(`${roomd.url}/api/sessions`, { method: 'POST', ca: fs.readFileSync(cert), headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 201 ? resolve({ ...JSON.parse(body), hsts: res.headers['strict-transport-security'] }) : reject(new Error(`${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

test('two Chromium pages share a room over https and wss', async () => {
  const s = await createSession();
  assert.equal(s.hsts, 'max-age=31536000');
  const pages = [];
  for (const [name, url] of [['Ivy', s.interviewerUrl], ['Cal', s.joinUrl]]) {
    const context = await br.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(roomd.url + url);
    await joinAs(page, name);
    pages.push(page);
  }
  assert.equal(await pages[0].evaluate(() => location.protocol), 'https:');
  await pages[1].click('#editor .cm-content');
  await pages[1].keyboard.type('over tls');
  await waitForDoc(pages[0], 'over tls');
});

test('an oversized message over wss still closes with 1009, 10 times out of 10', async () => {
  const s = await createSession();
  const codes = [];
  for (let run = 0; run < 10; run++) {
    codes.push(
      await new Promise((resolve, reject) => {
        const ws = new WebSocket(`wss://127.0.0.1:${roomd.port}/ws/${s.sessionId}`, { ca: fs.readFileSync(cert) });
        const timer = setTimeout(() => {
          ws.terminate();
          reject(new Error('no close within 20 s'));
        }, 20_000);
        ws.on('open', () => ws.send('x'.repeat(8 << 20)));
        ws.on('error', () => {}); // a reset shows as close 1006, which is what the test looks at
        ws.on('close', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      }),
    );
  }
  assert.deepEqual(codes, Array(10).fill(1009));
});
