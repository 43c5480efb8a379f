// Starts roomd (or any binary with the same command line, from env ROOMD_BIN) on an ephemeral port
// with a temp data dir, waits for /health, and stops it with SIGTERM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const ROOMD_BIN = process.env.ROOMD_BIN || path.join(repoRoot, 'build/bin/roomd');
export const WEB_DIR = process.env.ROOMD_WEB_DIR || path.join(repoRoot, 'web/dist');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** With `--tls-cert` in extraArgs the url is https and the port file alone says it listens. */
export async function startRoomd({ env = {}, extraArgs = [] } = {}) {
  if (!fs.existsSync(ROOMD_BIN)) throw new Error(`roomd not found at ${ROOMD_BIN} (set ROOMD_BIN)`);
  if (!fs.existsSync(path.join(WEB_DIR, 'index.html'))) throw new Error(`${WEB_DIR}/index.html missing: run "npm run build" in web/`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roomd-e2e-'));
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir);
  const portFile = path.join(tmp, 'port');
  const args = ['--listen', '127.0.0.1:0', '--port-file', portFile, '--data-dir', dataDir, '--web-dir', WEB_DIR, ...extraArgs];
  const proc = spawn(ROOMD_BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  let exited = null;
  proc.on('exit', (code, signal) => (exited = { code, signal }));

  // Generous: roomd probes every installed toolchain before it listens (all 25 languages:
  // over 30 s on a busy 2-core machine).
  const deadline = Date.now() + 120_000;
  let port = null;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`roomd exited early (${JSON.stringify(exited)}):\n${stderr}`);
    try {
      const t = fs.readFileSync(portFile, 'utf8').trim();
      if (/^\d+$/.test(t)) {
        port = Number(t);
        break;
      }
    } catch {
      /* not yet */
    }
    await sleep(50);
  }
  if (!port) {
    proc.kill('SIGKILL');
    throw new Error(`roomd did not write its port file within 120 s:\n${stderr}`);
  }
  const tls = extraArgs.includes('--tls-cert');
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  while (!tls && Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    await sleep(50);
  }

  async function stop() {
    if (!exited) {
      proc.kill('SIGTERM');
      const t0 = Date.now();
      while (!exited && Date.now() - t0 < 5000) await sleep(25);
      if (!exited) proc.kill('SIGKILL');
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    return exited;
  }
  return { url, port, dataDir, proc, stop, get stderr() { return stderr; } };
}
