// The live interview room: collaborative editor, presence, cursors, runs, notes.
import { ChangeSet, EditorState } from '@codemirror/state';
import { EditorView, keymap, type ViewUpdate } from '@codemirror/view';
import { collab, getSyncedVersion, receiveUpdates, sendableUpdates, type Update } from '@codemirror/collab';
import { h, clear, toast, copyButton, formatTime, initials, screen } from './dom';
import { ApiError, getAllEvents, getRuntimes, getSession, type Runtime } from './api';
import { RoomSocket, type ConnState } from './socket';
import { editableExtensions, setLanguage } from './editor';
import { removeRemoteCursor, replaceRemoteCursors, setRemoteCursor, type RemoteCursor } from './cursors';
import { languageLabel } from './languages';
import { getName, rememberSession, setName } from './storage';
import { finishedFields, renderOutput, type RunView } from './output';

interface Participant {
  participantId: string;
  name: string;
  role: 'candidate' | 'interviewer';
  color: string;
  online: boolean;
  left?: boolean;
  focused?: boolean;
  cursor?: { version: number; anchor: number; head: number };
}

interface Note {
  noteId: string;
  participantId?: string;
  text: string;
  version?: number;
  ts?: number;
}

const CURSOR_THROTTLE_MS = 50;
const HISTORY_KEEP = 500;

function randomId(): string {
  const a = new Uint8Array(8);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function parseKeyFromHash(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const key = params.get('key');
  return key || undefined;
}

export async function renderRoom(root: HTMLElement, sessionId: string) {
  const key = parseKeyFromHash(location.hash);
  const role: 'candidate' | 'interviewer' = key ? 'interviewer' : 'candidate';
  clear(root);
  root.appendChild(h('div', { class: 'screen' }, h('div', { class: 'spinner', 'aria-label': 'Loading' })));

  let runtimes: Runtime[] = [];
  try {
    const [info, rts] = await Promise.all([getSession(sessionId), getRuntimes().catch(() => [] as Runtime[])]);
    runtimes = Array.isArray(rts) ? rts : [];
    void info;
  } catch (e) {
    clear(root);
    if (e instanceof ApiError && e.status === 404) root.appendChild(unknownScreen());
    else root.appendChild(errorScreen(e instanceof Error ? e.message : String(e)));
    return;
  }
  rememberSession({ sessionId, role, key });

  const name = await askName(root, role);
  const room = new Room(root, sessionId, key, role, name, runtimes);
  room.start();
}

function unknownScreen() {
  return screen('Interview not found', 'This link does not point to a live interview. It may be mistyped, or the interview has expired.', [
    h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page'),
  ]);
}
function endedScreen() {
  return screen('This interview has ended', 'The session was closed or expired. Thanks for taking part.', [
    h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page'),
  ]);
}
function errorScreen(message: string) {
  return screen('Something went wrong', message, [
    h('button', { class: 'btn btn-primary', onclick: () => location.reload() }, 'Try again'),
  ]);
}

function askName(root: HTMLElement, role: string): Promise<string> {
  return new Promise((resolve) => {
    clear(root);
    const input = h('input', {
      class: 'input',
      id: 'name-input',
      name: 'name',
      placeholder: 'Your name',
      maxlength: 60,
      autocomplete: 'name',
      required: true,
    }) as HTMLInputElement;
    input.value = getName();
    const form = h(
      'form',
      { class: 'screen-card name-card' },
      h('div', { class: 'brand brand-big' }, h('span', { class: 'brand-mark' }, '</>'), 'Interview Rooms'),
      h('h1', {}, role === 'interviewer' ? 'Join as interviewer' : 'Join the interview'),
      h('p', { class: 'muted' }, 'Your name is shown to everyone in the room.'),
      input,
      h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'join-button' }, 'Join room'),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const n = input.value.trim();
      if (!n) {
        input.focus();
        return;
      }
      setName(n);
      resolve(n);
    });
    root.appendChild(h('div', { class: 'screen' }, form));
    input.focus();
    input.select();
  });
}

class Room {
  private view: EditorView | null = null;
  private socket: RoomSocket;
  private clientID = randomId();
  private participantId: string | null = null;
  private resumeToken: string | null = null;
  private joined = false;
  private everJoined = false;
  private inFlight = false;
  private inFlightTimer: number | undefined;
  private serverVersion = 0;
  private catchupTimer: number | undefined;
  private history: { version: number; changes: ChangeSet }[] = [];
  private pendingCursors = new Map<string, { version: number; anchor: number; head: number }>();
  private participants = new Map<string, Participant>();
  private language = 'plaintext';
  private cursorTimer: number | undefined;
  private lastCursorSent = 0;
  private cursorDirty = false; // last cursor was sent while local edits were unconfirmed
  private lastFocusSent: boolean | null = null;
  private notes = new Map<string, Note>();
  private run: RunView | null = null;
  private runs = new Map<string, RunView>();
  private runRequested = false;
  private runRequestTimer: number | undefined;

  // DOM
  private els!: {
    editorHost: HTMLElement;
    langSelect: HTMLSelectElement;
    conn: HTMLElement;
    connText: HTMLElement;
    people: HTMLElement;
    peopleCount: HTMLElement;
    runBtn: HTMLButtonElement;
    stdin: HTMLTextAreaElement;
    output: HTMLElement;
    notesList?: HTMLElement;
    noteInput?: HTMLTextAreaElement;
    banner: HTMLElement;
  };

  constructor(
    private root: HTMLElement,
    private sessionId: string,
    private key: string | undefined,
    private role: 'candidate' | 'interviewer',
    private name: string,
    private runtimes: Runtime[],
  ) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.socket = new RoomSocket(`${proto}//${location.host}/ws/${encodeURIComponent(sessionId)}`, {
      onOpen: () => this.sendJoin(),
      onMessage: (m) => this.onMessage(m),
      onClose: (code, reason) => this.onClose(code, reason),
      onState: (s, d) => this.renderConn(s, d),
    });
    (window as any).__room = {
      get view() {
        return self.view;
      },
      drop: () => this.socket.drop(true),
      send: (msg: object) => this.socket.send(msg),
      restore: () => this.socket.restore(),
      get connected() {
        return self.joined && self.socket.state === 'online';
      },
      get participantId() {
        return self.participantId;
      },
      get syncedVersion() {
        return self.view ? getSyncedVersion(self.view.state) : -1;
      },
      get unconfirmed() {
        return self.view ? sendableUpdates(self.view.state).length : 0;
      },
    };
    const self = this;
  }

  start() {
    this.buildLayout();
    this.socket.start();
    const focusHandler = () => this.sendFocus();
    window.addEventListener('focus', focusHandler);
    window.addEventListener('blur', focusHandler);
    document.addEventListener('visibilitychange', focusHandler);
    window.addEventListener('keydown', (e) => {
      // The editor's own Mod-Enter binding already handled (and prevented) it when focused there.
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && !e.defaultPrevented) {
        e.preventDefault();
        this.runCode();
      }
    });
    window.addEventListener('pagehide', () => this.socket.stop());
  }

  // ---------------------------------------------------------------- layout

  private buildLayout() {
    clear(this.root);
    const langSelect = h('select', { class: 'select', id: 'language-select', 'aria-label': 'Language' }) as HTMLSelectElement;
    this.fillLanguages(langSelect);
    langSelect.addEventListener('change', () => {
      const lang = langSelect.value;
      if (lang === this.language) return;
      if (!this.socket.send({ type: 'language_change', language: lang })) {
        toast('Not connected: the language will not change until you are back online.', 'error');
        langSelect.value = this.language;
      }
    });

    const connText = h('span', { class: 'conn-text' }, 'Connecting…');
    const conn = h('div', { class: 'conn conn-connecting', id: 'connection', title: 'Connection' }, h('span', { class: 'conn-dot' }), connText);
    const candidateLink = `${location.origin}/room/${this.sessionId}`;

    const headerActions: Node[] = [
      copyButton(() => candidateLink, 'Copy candidate link'),
    ];
    if (this.role === 'interviewer' && this.key) {
      headerActions.push(
        h(
          'a',
          { class: 'btn btn-small', id: 'replay-link', href: `/replay/${this.sessionId}#key=${encodeURIComponent(this.key)}`, target: '_blank', rel: 'noopener' },
          'Replay',
        ),
      );
    }

    const header = h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark' }, '</>'), 'Interview Rooms'),
      h('span', { class: 'badge badge-role', id: 'my-role' }, this.role === 'interviewer' ? 'Interviewer' : 'Candidate'),
      h('div', { class: 'spacer' }),
      h('label', { class: 'field-inline' }, h('span', { class: 'muted' }, 'Language'), langSelect),
      conn,
      ...headerActions,
    );

    const editorHost = h('div', { class: 'editor-host', id: 'editor' });
    const banner = h('div', { class: 'banner hidden', id: 'banner' });

    const stdin = h('textarea', { class: 'stdin', id: 'stdin', placeholder: 'stdin (optional)', spellcheck: 'false', rows: 3 }) as HTMLTextAreaElement;
    const runBtn = h('button', { class: 'btn btn-run', id: 'run-button', title: 'Run (Ctrl/Cmd+Enter)' }, '▶ Run') as HTMLButtonElement;
    runBtn.addEventListener('click', () => this.runCode());
    const output = h('div', { class: 'output', id: 'output', 'aria-live': 'polite' });

    const runPanel = h(
      'section',
      { class: 'run-panel' },
      h(
        'div',
        { class: 'run-controls' },
        runBtn,
        h('span', { class: 'muted small' }, 'Ctrl/⌘ + Enter'),
        h('div', { class: 'spacer' }),
      ),
      h('div', { class: 'run-body' }, h('div', { class: 'stdin-wrap' }, h('div', { class: 'panel-label' }, 'Input'), stdin), h('div', { class: 'output-wrap' }, h('div', { class: 'panel-label' }, 'Output'), output)),
    );

    const people = h('ul', { class: 'people', id: 'participants' });
    const peopleCount = h('span', { class: 'count', id: 'participant-count' }, '0');
    const side: Node[] = [
      h('section', { class: 'card' }, h('h2', {}, 'Participants ', peopleCount), people),
    ];
    let notesList: HTMLElement | undefined;
    let noteInput: HTMLTextAreaElement | undefined;
    if (this.role === 'interviewer') {
      notesList = h('ul', { class: 'notes', id: 'notes' });
      noteInput = h('textarea', { class: 'note-input', id: 'note-input', placeholder: 'Private note (only interviewers see it)…', rows: 3 }) as HTMLTextAreaElement;
      const addBtn = h('button', { class: 'btn btn-small btn-primary', id: 'add-note' }, 'Add note');
      const submit = () => {
        const text = noteInput!.value.trim();
        if (!text) return;
        if (this.socket.send({ type: 'add_note', text })) noteInput!.value = '';
        else toast('Not connected: note not sent.', 'error');
      };
      addBtn.addEventListener('click', submit);
      noteInput.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          e.stopPropagation();
          submit();
        }
      });
      side.push(
        h(
          'section',
          { class: 'card notes-card' },
          h('h2', {}, 'Private notes ', h('span', { class: 'lock', title: 'Only interviewers see notes' }, 'interviewers only')),
          notesList,
          noteInput,
          h('div', { class: 'row end' }, addBtn),
        ),
      );
    }

    const main = h(
      'main',
      { class: 'room' },
      h('div', { class: 'room-main' }, banner, editorHost, runPanel),
      h('aside', { class: 'room-side' }, side),
    );
    this.root.appendChild(h('div', { class: 'room-page' }, header, main));
    this.els = { editorHost, langSelect, conn, connText, people, peopleCount, runBtn, stdin, output, notesList, noteInput, banner };
    this.updateRunButton();
    output.appendChild(h('div', { class: 'muted empty' }, 'Run the code to see its output here. Everyone in the room sees it.'));
  }

  private fillLanguages(sel: HTMLSelectElement) {
    clear(sel);
    const names = new Set<string>(['plaintext']);
    for (const r of this.runtimes) names.add(r.language);
    if (this.language) names.add(this.language);
    for (const n of names) {
      const rt = this.runtimes.find((r) => r.language === n);
      sel.appendChild(h('option', { value: n }, rt ? `${languageLabel(n)} ${rt.version}` : languageLabel(n)));
    }
    sel.value = this.language;
  }

  private renderConn(s: ConnState, d: { attempt: number; retryInMs?: number }) {
    if (!this.els) return;
    const { conn, connText } = this.els;
    conn.className = `conn conn-${s}`;
    conn.setAttribute('data-state', s);
    if (s === 'online') connText.textContent = 'Connected';
    else if (s === 'connecting') connText.textContent = 'Connecting…';
    else if (s === 'reconnecting')
      connText.textContent = d.retryInMs !== undefined ? `Reconnecting in ${Math.max(1, Math.round(d.retryInMs / 1000))}s…` : 'Reconnecting…';
    else connText.textContent = 'Disconnected';
    const banner = this.els.banner;
    if (s === 'reconnecting' && this.everJoined) {
      banner.textContent = 'Connection lost. You can keep typing: your edits will be sent when the connection is back.';
      banner.classList.remove('hidden');
    } else if (s === 'online') {
      banner.classList.add('hidden');
    }
    this.updateRunButton();
  }

  // ---------------------------------------------------------------- protocol

  private sendJoin() {
    this.joined = false;
    const msg: Record<string, unknown> = { type: 'join_session', name: this.name, role: this.role };
    if (this.key) msg.key = this.key;
    if (this.resumeToken && this.view) {
      msg.resumeToken = this.resumeToken;
      msg.version = getSyncedVersion(this.view.state);
    }
    this.socket.send(msg);
  }

  private onClose(code: number, _reason: string): boolean {
    this.joined = false;
    this.inFlight = false;
    window.clearTimeout(this.inFlightTimer);
    if (code === 4404 || code === 4410 || code === 4401) {
      clear(this.root);
      if (code === 4404) this.root.appendChild(unknownScreen());
      else if (code === 4410) this.root.appendChild(endedScreen());
      else
        this.root.appendChild(
          screen('Interviewer key rejected', 'The interviewer link is not valid for this interview. Ask the person who created it for a fresh link.', [
            h('a', { class: 'btn btn-primary', href: `/room/${this.sessionId}` }, 'Join as candidate instead'),
          ]),
        );
      return false;
    }
    return true;
  }

  /** A participant shown offline (dropped, within the resume window) who acts again is back. */
  private markActive(pid: unknown) {
    if (typeof pid !== 'string') return;
    const p = this.participants.get(pid);
    if (p && !p.online && !p.left) {
      p.online = true;
      this.renderPeople();
    }
  }

  private onMessage(m: any) {
    if (m.type === 'code_changed' && Array.isArray(m.updates)) for (const u of m.updates) this.markActive(u.participantId);
    else if (m.type !== 'participant_left') this.markActive(m.participantId);
    switch (m.type) {
      case 'session_state':
        return this.onSessionState(m);
      case 'code_changed':
        return this.onCodeChanged(m);
      case 'code_update_rejected':
        return this.onRejected(m);
      case 'cursor_updated':
        return this.onCursor(m);
      case 'language_changed':
        return this.onLanguage(m);
      case 'participant_joined':
        return this.onJoined(m);
      case 'participant_left':
        return this.onLeft(m);
      case 'participant_focus': {
        const p = this.participants.get(m.participantId);
        if (p) {
          p.focused = !!m.focused;
          this.renderPeople();
        }
        return;
      }
      case 'run_started':
        return this.onRunStarted(m);
      case 'run_output':
        return this.onRunOutput(m);
      case 'run_finished':
        return this.onRunFinished(m);
      case 'note_added':
        return this.addNote({ noteId: m.noteId, participantId: m.participantId, text: m.text, version: m.version, ts: Date.now() });
      case 'error':
        toast(m.message ? `${m.message}` : `Error: ${m.code}`, 'error');
        if (m.code === 'busy' || m.code === 'unsupported_language' || m.code === 'rate_limited') {
          this.runRequested = false;
          this.updateRunButton();
        }
        return;
      case 'pong':
        return;
      default:
        return;
    }
  }

  private onSessionState(m: any) {
    const resumed = !!this.participantId && m.participantId === this.participantId;
    this.participantId = m.participantId;
    this.resumeToken = m.resumeToken ?? null;
    this.joined = true;
    this.everJoined = true;
    this.inFlight = false;
    this.serverVersion = m.version;
    this.socket.markJoined();

    if (!this.view) {
      this.createEditor(String(m.doc ?? ''), m.version);
    } else {
      const synced = getSyncedVersion(this.view.state);
      if (m.version < synced) {
        // The server knows less than we do (should not happen): start over from its document.
        toast('The server state went back in time; reloading the document.', 'error');
        this.view.destroy();
        this.view = null;
        this.history = [];
        this.createEditor(String(m.doc ?? ''), m.version);
      } else if (m.version > synced && !resumed) {
        // A fresh join (resume window passed): ask for what we missed.
        this.socket.send({ type: 'pull', version: synced });
      }
      // When resumed, the server follows with code_changed {from: synced}.
      this.armCatchup();
    }

    this.setLanguageLocal(m.language || 'plaintext');

    const prevFocus = new Map([...this.participants].map(([k, p]) => [k, p.focused]));
    this.participants.clear();
    const cursors: RemoteCursor[] = [];
    for (const p of m.participants ?? []) {
      this.participants.set(p.participantId, { ...p, online: p.online ?? true, focused: p.focused ?? prevFocus.get(p.participantId) });
      if (p.participantId !== this.participantId && p.cursor) {
        this.pendingCursors.set(p.participantId, p.cursor);
      }
    }
    if (this.view) this.view.dispatch({ effects: replaceRemoteCursors.of(cursors) });
    this.applyPendingCursors();
    this.renderPeople();
    if (m.lastRun && !this.run) this.showLastRun(m.lastRun);
    this.updateRunButton();
    this.lastFocusSent = null;
    this.sendFocus();
    this.scheduleCursor();
    this.trySend();
    if (this.role === 'interviewer' && this.key && this.notes.size === 0) this.loadNotes();
  }

  private createEditor(doc: string, version: number) {
    const runKeys = keymap.of([
      {
        key: 'Mod-Enter',
        run: () => {
          this.runCode();
          return true;
        },
      },
    ]);
    const state = EditorState.create({
      doc,
      extensions: [
        runKeys,
        ...editableExtensions(this.language, [
          collab({ startVersion: version, clientID: this.clientID }),
          EditorView.updateListener.of((u) => this.onViewUpdate(u)),
        ]),
      ],
    });
    this.view = new EditorView({ state, parent: this.els.editorHost });
    void setLanguage(this.view, this.language);
  }

  private onViewUpdate(u: ViewUpdate) {
    // Remote updates never produce sendable updates, so this only sends local edits.
    if (u.docChanged) this.trySend();
    if (u.selectionSet || u.docChanged) this.scheduleCursor();
  }

  private trySend() {
    const view = this.view;
    if (!view || !this.joined || this.inFlight || !this.socket.isOpen) return;
    const synced = getSyncedVersion(view.state);
    if (synced < this.serverVersion) {
      this.armCatchup();
      return;
    }
    const ups = sendableUpdates(view.state);
    if (!ups.length) return;
    const ok = this.socket.send({
      type: 'code_update',
      version: synced,
      updates: ups.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
    });
    if (!ok) return;
    this.inFlight = true;
    window.clearTimeout(this.inFlightTimer);
    this.inFlightTimer = window.setTimeout(() => {
      // No acknowledgement: ask for what we may have missed and try again.
      if (!this.inFlight || !this.view) return;
      this.inFlight = false;
      this.socket.send({ type: 'pull', version: getSyncedVersion(this.view.state) });
      window.setTimeout(() => this.trySend(), 300);
    }, 5000);
  }

  private armCatchup() {
    window.clearTimeout(this.catchupTimer);
    this.catchupTimer = window.setTimeout(() => {
      if (!this.view || !this.joined) return;
      const synced = getSyncedVersion(this.view.state);
      if (synced < this.serverVersion) {
        this.socket.send({ type: 'pull', version: synced });
        this.armCatchup();
      }
    }, 1500);
  }

  private onCodeChanged(m: any) {
    const view = this.view;
    if (!view) return;
    const updates: any[] = Array.isArray(m.updates) ? m.updates : [];
    const from: number = m.from;
    this.serverVersion = Math.max(this.serverVersion, from + updates.length);
    const synced = getSyncedVersion(view.state);
    if (from > synced) {
      // A gap: we missed something. Ask for it.
      this.socket.send({ type: 'pull', version: synced });
      this.armCatchup();
      return;
    }
    const fresh = updates.slice(synced - from);
    if (!fresh.length) return;
    let parsed: Update[];
    try {
      parsed = fresh.map((u) => ({ changes: ChangeSet.fromJSON(u.changes), clientID: String(u.clientID) }));
    } catch (e) {
      toast('Received an update the editor cannot read; reloading may help.', 'error');
      return;
    }
    const ownCount = parsed.filter((u) => u.clientID === this.clientID).length;
    try {
      const tr = receiveUpdates(view.state, parsed);
      view.dispatch(tr);
    } catch (e) {
      console.error('receiveUpdates failed', e);
      toast('The document got out of sync; reloading the room.', 'error');
      setTimeout(() => location.reload(), 1500);
      return;
    }
    let v = synced;
    for (const u of parsed) {
      v++;
      this.history.push({ version: v, changes: u.changes });
    }
    if (this.history.length > HISTORY_KEEP) this.history.splice(0, this.history.length - HISTORY_KEEP);
    if (ownCount > 0) {
      this.inFlight = false;
      window.clearTimeout(this.inFlightTimer);
      // Positions sent while edits were unconfirmed were mapped back to an older version (and stay
      // before text inserted later): send the exact position again once everything is confirmed.
      if (this.cursorDirty && sendableUpdates(view.state).length === 0) this.scheduleCursor();
    }
    this.applyPendingCursors();
    this.trySend();
  }

  private onRejected(m: any) {
    this.inFlight = false;
    window.clearTimeout(this.inFlightTimer);
    if (typeof m.version === 'number') this.serverVersion = Math.max(this.serverVersion, m.version);
    // The missing code_changed messages are on their way; trySend waits for them (or pulls).
    this.trySend();
  }

  // ---------------------------------------------------------------- cursors

  /** Map a position in the document at `version` to the current local document. */
  private mapToLocal(pos: number, version: number): number {
    const view = this.view!;
    for (const h of this.history) if (h.version > version) pos = h.changes.mapPos(pos, -1);
    for (const u of sendableUpdates(view.state)) pos = u.changes.mapPos(pos, -1);
    return Math.max(0, Math.min(view.state.doc.length, pos));
  }

  private onCursor(m: any) {
    if (m.participantId === this.participantId) return;
    this.pendingCursors.set(m.participantId, { version: m.version, anchor: m.anchor, head: m.head });
    this.applyPendingCursors();
  }

  private applyPendingCursors() {
    const view = this.view;
    if (!view) return;
    const synced = getSyncedVersion(view.state);
    const effects = [];
    for (const [pid, c] of this.pendingCursors) {
      if (c.version > synced) continue;
      this.pendingCursors.delete(pid);
      const p = this.participants.get(pid);
      if (!p || !p.online) continue;
      effects.push(
        setRemoteCursor.of({
          id: pid,
          name: p.name,
          color: p.color || '#8892b0',
          anchor: this.mapToLocal(c.anchor, c.version),
          head: this.mapToLocal(c.head, c.version),
          movedAt: Date.now(),
        }),
      );
    }
    if (effects.length) view.dispatch({ effects });
  }

  private scheduleCursor() {
    if (this.cursorTimer !== undefined) return;
    const wait = Math.max(0, CURSOR_THROTTLE_MS - (Date.now() - this.lastCursorSent));
    this.cursorTimer = window.setTimeout(() => {
      this.cursorTimer = undefined;
      this.sendCursor();
    }, wait);
  }

  private sendCursor() {
    const view = this.view;
    if (!view || !this.joined) return;
    const sel = view.state.selection.main;
    let anchor = sel.anchor;
    let head = sel.head;
    const ups = sendableUpdates(view.state);
    if (ups.length) {
      // Positions are in the local document; express them in the synced version's document.
      const back = ups.map((u) => u.changes).reduce((a, b) => a.compose(b)).invertedDesc;
      anchor = back.mapPos(anchor, -1);
      head = back.mapPos(head, -1);
    }
    this.cursorDirty = ups.length > 0;
    this.lastCursorSent = Date.now();
    this.socket.send({ type: 'cursor_update', version: getSyncedVersion(view.state), anchor, head });
  }

  // ---------------------------------------------------------------- presence

  private onJoined(m: any) {
    const p = m.participant;
    if (!p || !p.participantId) return;
    const existing = this.participants.get(p.participantId);
    this.participants.set(p.participantId, { ...existing, ...p, online: true, left: false });
    this.renderPeople();
    if (!existing && p.participantId !== this.participantId) toast(`${p.name} joined`, 'info', 2500);
  }

  private onLeft(m: any) {
    const p = this.participants.get(m.participantId);
    if (p) {
      p.online = false;
      p.left = true;
      p.focused = undefined;
      toast(`${p.name} left`, 'info', 2500);
    }
    this.pendingCursors.delete(m.participantId);
    this.view?.dispatch({ effects: removeRemoteCursor.of(m.participantId) });
    this.renderPeople();
  }

  private renderPeople() {
    const { people, peopleCount } = this.els;
    clear(people);
    const list = [...this.participants.values()].sort((a, b) => Number(b.online) - Number(a.online));
    let online = 0;
    for (const p of list) {
      if (p.online) online++;
      const me = p.participantId === this.participantId;
      const status: Node[] = [];
      if (!p.online) status.push(h('span', { class: 'tag tag-off' }, p.left ? 'left' : 'offline'));
      else if (this.role === 'interviewer' && p.focused === false) status.push(h('span', { class: 'tag tag-away', title: 'Tab not focused' }, 'away'));
      else if (this.role === 'interviewer' && p.focused === true) status.push(h('span', { class: 'tag tag-focus' }, 'focused'));
      people.appendChild(
        h(
          'li',
          { class: `person${p.online ? '' : ' offline'}`, 'data-participant': p.participantId, 'data-role': p.role },
          h('span', { class: 'avatar', style: `background:${p.color || '#8892b0'}` }, initials(p.name), h('span', { class: `presence ${p.online ? 'on' : 'off'}` })),
          h('span', { class: 'person-name' }, p.name, me ? h('span', { class: 'muted' }, ' (you)') : null),
          h('span', { class: `role role-${p.role}` }, p.role),
          status,
        ),
      );
    }
    peopleCount.textContent = String(online);
  }

  private sendFocus() {
    if (!this.joined) return;
    const focused = document.visibilityState === 'visible' && document.hasFocus();
    if (focused === this.lastFocusSent) return;
    this.lastFocusSent = focused;
    this.socket.send({ type: 'focus_change', focused });
  }

  // ---------------------------------------------------------------- language

  private setLanguageLocal(lang: string) {
    this.language = lang;
    if (![...this.els.langSelect.options].some((o) => o.value === lang)) this.fillLanguages(this.els.langSelect);
    this.els.langSelect.value = lang;
    if (this.view) void setLanguage(this.view, lang);
    this.updateRunButton();
  }

  private onLanguage(m: any) {
    const changed = m.language !== this.language;
    this.setLanguageLocal(m.language);
    if (changed && m.participantId !== this.participantId) {
      const who = this.participants.get(m.participantId)?.name ?? 'Someone';
      toast(`${who} switched the language to ${languageLabel(m.language)}`, 'info', 3000);
    }
  }

  // ---------------------------------------------------------------- runs

  private canRun(): { ok: boolean; why?: string } {
    if (this.runtimes.length === 0) return { ok: false, why: 'No runtimes are configured on this server, so code cannot be run.' };
    if (!this.runtimes.some((r) => r.language === this.language || (r.aliases ?? []).includes(this.language)))
      return { ok: false, why: `${languageLabel(this.language)} cannot be run here. Pick a language with a runtime.` };
    if ((this.run && this.run.running) || this.runRequested) return { ok: false, why: 'A run is in progress.' };
    if (!this.joined) return { ok: false, why: 'Not connected.' };
    return { ok: true };
  }

  private updateRunButton() {
    if (!this.els) return;
    const { ok, why } = this.canRun();
    const btn = this.els.runBtn;
    btn.disabled = !ok;
    btn.title = ok ? 'Run (Ctrl/Cmd+Enter)' : why ?? '';
    btn.textContent = (this.run && this.run.running) || this.runRequested ? 'Running…' : '▶ Run';
    const hint = this.els.output.querySelector('.no-runtimes');
    if (this.runtimes.length === 0 && !hint) {
      this.els.output.prepend(h('div', { class: 'no-runtimes', id: 'no-runtimes' }, 'No runtimes are configured on this server, so code cannot be run. Editing and replay still work.'));
    }
  }

  private runCode() {
    const { ok, why } = this.canRun();
    if (!ok) {
      if (why) toast(why, 'error', 3000);
      return;
    }
    if (!this.socket.send({ type: 'run_code', stdin: this.els.stdin.value })) return;
    // Until run_started (or an error) arrives, a second click must not start a second run.
    this.runRequested = true;
    window.clearTimeout(this.runRequestTimer);
    this.runRequestTimer = window.setTimeout(() => {
      this.runRequested = false;
      this.updateRunButton();
    }, 5000);
    this.updateRunButton();
  }

  private personName(pid?: string) {
    if (!pid) return 'someone';
    const p = this.participants.get(pid);
    if (!p) return 'someone';
    return p.participantId === this.participantId ? `${p.name} (you)` : p.name;
  }

  private onRunStarted(m: any) {
    this.runRequested = false;
    window.clearTimeout(this.runRequestTimer);
    const run: RunView = {
      runId: m.runId,
      by: this.personName(m.participantId),
      language: m.language ?? this.language,
      version: m.version,
      running: true,
      stdout: '',
      stderr: '',
      startedAt: Date.now(),
    };
    this.runs.set(m.runId, run);
    this.run = run;
    this.renderRun();
  }

  private onRunOutput(m: any) {
    const run = this.runs.get(m.runId);
    if (!run || !run.running) return;
    if (m.stream === 'stderr') run.stderr += m.data ?? '';
    else run.stdout += m.data ?? '';
    this.renderRun();
  }

  private onRunFinished(m: any) {
    let run = this.runs.get(m.runId);
    if (!run) {
      run = { runId: m.runId, by: 'someone', language: this.language, running: false, stdout: '', stderr: '', startedAt: Date.now() };
      this.runs.set(m.runId, run);
    }
    // The whole (capped) output replaces what was streamed.
    Object.assign(run, finishedFields(m));
    if (this.run === run || !this.run || !this.run.running) this.run = run;
    this.renderRun();
  }

  private showLastRun(r: any) {
    const run: RunView = {
      runId: r.runId ?? 'last',
      by: this.personName(r.participantId),
      language: r.language ?? this.language,
      version: r.version,
      ...finishedFields(r),
      startedAt: Date.now(),
    };
    this.run = run;
    this.renderRun();
  }

  private renderRun() {
    const out = this.els.output;
    clear(out);
    if (this.runtimes.length === 0) out.appendChild(h('div', { class: 'no-runtimes', id: 'no-runtimes' }, 'No runtimes are configured on this server.'));
    if (this.run) out.appendChild(renderOutput(this.run));
    this.updateRunButton();
  }

  // ---------------------------------------------------------------- notes

  private addNote(n: Note) {
    if (!this.els.notesList || this.notes.has(n.noteId)) return;
    this.notes.set(n.noteId, n);
    const by = this.participants.get(n.participantId ?? '')?.name ?? '';
    this.els.notesList.appendChild(
      h(
        'li',
        { class: 'note', 'data-note': n.noteId },
        h('div', { class: 'note-meta' }, [by, n.ts ? formatTime(n.ts) : '', n.version !== undefined ? `v${n.version}` : ''].filter(Boolean).join(' · ')),
        h('div', { class: 'note-text' }, n.text),
      ),
    );
    this.els.notesList.scrollTop = this.els.notesList.scrollHeight;
  }

  private async loadNotes() {
    // Notes made before this page loaded live in the event log (interviewer key required).
    try {
      const events = await getAllEvents(this.sessionId, this.key!);
      for (const e of events) {
        if (e.type === 'note_added') {
          this.addNote({ noteId: String(e.noteId), participantId: e.participantId, text: String(e.text ?? ''), ts: e.ts });
        }
      }
    } catch {
      /* replay API not available: only live notes are shown */
    }
  }
}
