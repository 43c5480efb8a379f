#!/usr/bin/env node
// A small in-memory stand-in for roomd that follows /work/shared/PROTOCOL.md, used to develop and
// check the browser room before (or besides) the real server: `ROOMD_BIN=tests/e2e/lib/fake-roomd.mjs`.
// Same command line contract as roomd: --listen HOST:PORT --port-file FILE --data-dir DIR --web-dir DIR.
// It is NOT the product: the browser tests are meant to run against build/bin/roomd.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { WebSocketServer } from 'ws';
import { ChangeSet, Text } from '@codemirror/state';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const listen = opt('--listen', '127.0.0.1:8080');
const portFile = opt('--port-file');
const webDir = opt('--web-dir', path.resolve('web/dist'));
const [host, portStr] = listen.split(':');
const RESUME_MS = Number(process.env.FAKE_RESUME_MS ?? 30000);
const RUNTIMES = process.env.FAKE_NO_RUNTIMES ? [] : [{ language: 'python', version: '3', aliases: ['py', 'python3'] }];
const COLORS = ['#f97583', '#79b8ff', '#85e89d', '#ffab70', '#b392f0', '#f9c513', '#56d4dd', '#ff7eb6'];
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

const sessions = new Map();
const log = (...a) => process.stderr.write(`[fake-roomd] ${a.join(' ')}\n`);

function newSession(language = 'plaintext', title = '') {
  const s = {
    id: crypto.randomUUID(),
    key: crypto.randomBytes(24).toString('base64url'),
    language,
    title,
    createdAt: Date.now(),
    lastActivityAt: Date.now(),
    doc: Text.empty,
    version: 0,
    updates: [],
    events: [],
    participants: new Map(),
    lastRun: null,
    running: false,
    colorIdx: 0,
  };
  sessions.set(s.id, s);
  append(s, { type: 'session_created', language, title });
  return s;
}
function append(s, ev) {
  const e = { seq: s.events.length + 1, ts: Date.now(), ...ev };
  s.events.push(e);
  s.lastActivityAt = e.ts;
  return e;
}
function created(s, status = 201) {
  return {
    sessionId: s.id,
    interviewerKey: s.key,
    language: s.language,
    createdAt: s.createdAt,
    joinUrl: `/room/${s.id}`,
    interviewerUrl: `/room/${s.id}#key=${s.key}`,
    replayUrl: `/replay/${s.id}#key=${s.key}`,
  };
}
const pub = (p) => ({ participantId: p.participantId, name: p.name, role: p.role, color: p.color, ...(p.cursor ? { cursor: p.cursor } : {}) });
const online = (s) => [...s.participants.values()].filter((p) => p.present);
function sendTo(p, msg) {
  if (p.ws && p.ws.readyState === 1) p.ws.send(JSON.stringify(msg));
}
function broadcast(s, msg, { except, interviewersOnly } = {}) {
  for (const p of online(s)) {
    if (p === except) continue;
    if (interviewersOnly && p.role !== 'interviewer') continue;
    sendTo(p, msg);
  }
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-security-policy': CSP });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
function err(res, status, code, message) {
  json(res, status, { error: code, message });
}
function readBody(req) {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => resolve(b));
  });
}
function authed(req, s) {
  const a = req.headers.authorization ?? '';
  if (!a.startsWith('Bearer ')) return 401;
  return a.slice(7) === s.key ? 0 : 403;
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
function serveStatic(req, res, p) {
  let file = path.join(webDir, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(webDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    if (p === '/' || /^\/(room|replay)\/[^/]+\/?$/.test(p)) file = path.join(webDir, 'index.html');
    else return err(res, 404, 'not_found', 'No such page.');
  }
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
  fs.createReadStream(file).pipe(res);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  let m;
  if (p === '/health') return json(res, 200, { status: 'ok', fake: true });
  if (p === '/api/runtimes') return json(res, 200, RUNTIMES);
  if (p === '/api/sessions' && req.method === 'POST') {
    let body = {};
    try {
      const t = await readBody(req);
      body = t ? JSON.parse(t) : {};
    } catch {
      return err(res, 400, 'bad_json', 'Body is not JSON.');
    }
    const lang = body.language ?? 'plaintext';
    if (lang !== 'plaintext' && !RUNTIMES.some((r) => r.language === lang)) return err(res, 400, 'unsupported_language', `Unknown language ${lang}.`);
    return json(res, 201, created(newSession(lang, body.title ?? '')));
  }
  if ((m = p.match(/^\/api\/sessions\/([^/]+)(\/[a-z]+)?$/))) {
    const s = sessions.get(m[1]);
    if (!s) return err(res, 404, 'not_found', 'Unknown or expired session.');
    if (!m[2] && req.method === 'GET')
      return json(res, 200, { sessionId: s.id, language: s.language, createdAt: s.createdAt, lastActivityAt: s.lastActivityAt, expiresAt: s.lastActivityAt + 86400000, version: s.version, participants: online(s).map(pub) });
    const a = authed(req, s);
    if (a) return err(res, a, a === 401 ? 'unauthorized' : 'forbidden', 'Interviewer key required.');
    if (m[2] === '/events') {
      const from = Number(url.searchParams.get('from') ?? 1);
      const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 1000));
      const events = s.events.slice(from - 1, from - 1 + limit);
      const next = from - 1 + limit < s.events.length ? from + limit : null;
      return json(res, 200, { events, next });
    }
    if (m[2] === '/fork' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)) || '{}');
      const seq = Number(body.seq);
      if (!(seq >= 1 && seq <= s.events.length)) return err(res, 400, 'bad_seq', 'seq out of range');
      let doc = Text.empty;
      let lang = s.language;
      for (const e of s.events.slice(0, seq)) {
        if (e.type === 'code_changed') doc = ChangeSet.fromJSON(e.changes).apply(doc);
        if (e.type === 'language_changed' || e.type === 'session_created') lang = e.language;
      }
      const n = newSession(lang, `fork of ${s.id}`);
      if (doc.length) {
        const cs = ChangeSet.of({ from: 0, insert: doc }, 0);
        n.doc = doc;
        n.version = 1;
        n.updates.push({ clientID: 'fork', changes: cs.toJSON() });
        append(n, { type: 'code_changed', version: 1, clientID: 'fork', changes: cs.toJSON() });
      }
      return json(res, 201, created(n));
    }
    return err(res, 404, 'not_found', 'No such endpoint.');
  }
  if ((m = p.match(/^\/api\/admin\/sessions\/([^/]+)$/)) && req.method === 'DELETE') {
    if (!process.env.ROOMD_ADMIN_TOKEN || req.headers.authorization !== `Bearer ${process.env.ROOMD_ADMIN_TOKEN}`) return err(res, 401, 'unauthorized', 'Admin token required.');
    const s = sessions.get(m[1]);
    if (!s) return err(res, 404, 'not_found', 'Unknown session.');
    sessions.delete(s.id);
    for (const p of s.participants.values()) if (p.ws) p.ws.close(4410, 'expired');
    res.writeHead(204);
    return res.end();
  }
  if (p.startsWith('/api/')) return err(res, 404, 'not_found', 'No such endpoint.');
  return serveStatic(req, res, p);
});

const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
server.on('upgrade', (req, socket, head) => {
  const m = new URL(req.url, 'http://x').pathname.match(/^\/ws\/([^/]+)$/);
  if (!m) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, m[1]));
});

function onSocket(ws, id) {
  const s = sessions.get(id);
  if (!s) return ws.close(4404, 'unknown session');
  let me = null;
  const joinTimer = setTimeout(() => ws.close(4408, 'join timeout'), 10000);
  const reply = (msg, ref) => ws.readyState === 1 && ws.send(JSON.stringify(ref === undefined ? msg : { ...msg, ref }));
  ws.on('message', (raw) => {
    let msg;
    try {
      msg = JSON.parse(String(raw));
    } catch {
      return reply({ type: 'error', code: 'bad_json', message: 'Not JSON.' });
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return reply({ type: 'error', code: 'bad_json', message: 'Not an object.' });
    const ref = msg.ref;
    if (msg.type === 'join_session') {
      if (me) return reply({ type: 'error', code: 'forbidden', message: 'Already joined.' }, ref);
      if (msg.role === 'interviewer' && msg.key !== s.key) return ws.close(4401, 'bad key');
      clearTimeout(joinTimer);
      const prev = msg.resumeToken && [...s.participants.values()].find((p) => p.resumeToken === msg.resumeToken && p.dropTimer);
      if (prev) {
        clearTimeout(prev.dropTimer);
        prev.dropTimer = null;
        prev.ws = ws;
        me = prev;
        reply({ type: 'session_state', sessionId: s.id, participantId: me.participantId, resumeToken: me.resumeToken, role: me.role, version: s.version, doc: s.doc.toString(), language: s.language, participants: online(s).map(pub), ...(s.lastRun ? { lastRun: s.lastRun } : {}) }, ref);
        const v = Number(msg.version ?? s.version);
        if (v < s.version) reply({ type: 'code_changed', from: v, updates: s.updates.slice(v) });
        return;
      }
      me = {
        participantId: crypto.randomUUID(),
        resumeToken: crypto.randomBytes(16).toString('hex'),
        name: String(msg.name ?? 'anonymous').slice(0, 60),
        role: msg.role === 'interviewer' ? 'interviewer' : 'candidate',
        color: COLORS[s.colorIdx++ % COLORS.length],
        ws,
        present: true,
      };
      s.participants.set(me.participantId, me);
      append(s, { type: 'participant_joined', participantId: me.participantId, participant: pub(me) });
      reply({ type: 'session_state', sessionId: s.id, participantId: me.participantId, resumeToken: me.resumeToken, role: me.role, version: s.version, doc: s.doc.toString(), language: s.language, participants: online(s).map(pub), ...(s.lastRun ? { lastRun: s.lastRun } : {}) }, ref);
      broadcast(s, { type: 'participant_joined', participant: pub(me) }, { except: me });
      return;
    }
    if (!me) return reply({ type: 'error', code: 'not_joined', message: 'Join first.' }, ref);
    switch (msg.type) {
      case 'ping':
        return reply({ type: 'pong' }, ref);
      case 'code_update': {
        if (msg.version < s.version) return reply({ type: 'code_update_rejected', version: s.version }, ref);
        if (msg.version > s.version) return reply({ type: 'error', code: 'invalid_changes', message: 'Version from the future.' }, ref);
        let doc = s.doc;
        const ups = [];
        try {
          for (const u of msg.updates) {
            const cs = ChangeSet.fromJSON(u.changes);
            if (cs.length !== doc.length) throw new Error('length');
            doc = cs.apply(doc);
            ups.push({ clientID: String(u.clientID), changes: u.changes, participantId: me.participantId });
          }
        } catch {
          return reply({ type: 'error', code: 'invalid_changes', message: 'Bad change set.' }, ref);
        }
        const from = s.version;
        for (const u of ups) {
          s.version++;
          s.updates.push(u);
          append(s, { type: 'code_changed', participantId: me.participantId, version: s.version, clientID: u.clientID, changes: u.changes });
        }
        s.doc = doc;
        broadcast(s, { type: 'code_changed', from, updates: ups });
        return;
      }
      case 'pull': {
        const v = Number(msg.version);
        if (v < s.version) reply({ type: 'code_changed', from: v, updates: s.updates.slice(v) });
        return;
      }
      case 'cursor_update': {
        let { version: v, anchor, head } = msg;
        for (let i = v; i < s.version; i++) {
          const cs = ChangeSet.fromJSON(s.updates[i].changes);
          anchor = cs.mapPos(anchor, -1);
          head = cs.mapPos(head, -1);
        }
        me.cursor = { version: s.version, anchor, head };
        append(s, { type: 'cursor_moved', participantId: me.participantId, ...me.cursor });
        broadcast(s, { type: 'cursor_updated', participantId: me.participantId, ...me.cursor }, { except: me });
        return;
      }
      case 'language_change': {
        if (msg.language !== 'plaintext' && !RUNTIMES.some((r) => r.language === msg.language)) return reply({ type: 'error', code: 'unsupported_language', message: `Unknown language ${msg.language}.` }, ref);
        s.language = msg.language;
        append(s, { type: 'language_changed', participantId: me.participantId, language: s.language });
        broadcast(s, { type: 'language_changed', participantId: me.participantId, language: s.language });
        return;
      }
      case 'add_note': {
        if (me.role !== 'interviewer') return reply({ type: 'error', code: 'forbidden', message: 'Interviewers only.' }, ref);
        const noteId = crypto.randomUUID();
        append(s, { type: 'note_added', participantId: me.participantId, noteId, text: String(msg.text ?? '') });
        broadcast(s, { type: 'note_added', noteId, participantId: me.participantId, text: String(msg.text ?? ''), version: s.version }, { interviewersOnly: true });
        return;
      }
      case 'focus_change':
        append(s, { type: 'focus_changed', participantId: me.participantId, focused: !!msg.focused });
        broadcast(s, { type: 'participant_focus', participantId: me.participantId, focused: !!msg.focused }, { interviewersOnly: true, except: me });
        return;
      case 'run_code':
        return runCode(s, me, msg, ref, reply);
      default:
        return reply({ type: 'error', code: 'unknown_type', message: `Unknown type ${msg.type}.` }, ref);
    }
  });
  ws.on('close', (code) => {
    clearTimeout(joinTimer);
    if (!me || me.ws !== ws) return;
    me.ws = null;
    const leave = (reason) => {
      me.present = false;
      me.dropTimer = null;
      append(s, { type: 'participant_left', participantId: me.participantId, reason });
      broadcast(s, { type: 'participant_left', participantId: me.participantId, reason });
    };
    if (code === 1000 || code === 1001) leave('left');
    else me.dropTimer = setTimeout(() => leave('disconnected'), RESUME_MS);
  });
}

function runCode(s, me, msg, ref, reply) {
  if (!RUNTIMES.some((r) => r.language === s.language)) return reply({ type: 'error', code: 'unsupported_language', message: `${s.language} cannot be run.` }, ref);
  if (s.running) return reply({ type: 'error', code: 'busy', message: 'A run is already in progress.' }, ref);
  s.running = true;
  const runId = crypto.randomUUID();
  const started = { runId, participantId: me.participantId, language: s.language, version: s.version };
  append(s, { type: 'run_started', participantId: me.participantId, ...started });
  broadcast(s, { type: 'run_started', ...started });
  const t0 = Date.now();
  const child = spawn('python3', ['-c', s.doc.toString()], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, 5000);
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(String(msg.stdin ?? ''));
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    s.running = false;
    const fin = { runId, stdout, stderr, exitCode: code, signal: timedOut ? null : signal, timedOut, truncated: false, durationMs: Date.now() - t0 };
    s.lastRun = { ...fin, participantId: me.participantId, language: s.language };
    append(s, { type: 'run_finished', participantId: me.participantId, ...fin });
    broadcast(s, { type: 'run_finished', ...fin });
  });
}

server.listen(Number(portStr), host, () => {
  const port = server.address().port;
  if (portFile) fs.writeFileSync(portFile, String(port));
  log(`listening on ${host}:${port}, web ${webDir}`);
});
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
