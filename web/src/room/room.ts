// The live interview room: wires the socket to the editor (collab), presence, runs and notes.
import { h, clear, toast, screen } from '../dom';
import { setLanguage } from '../editor';
import { languageLabel } from '../languages';
import type { ErrorMsg, LanguageChangedMsg, Role, Runtime, ServerMessage, SessionStateMsg } from '../protocol';
import { RoomSocket } from '../socket';
import { Call } from './call';
import { Collab, MAX_MESSAGE_BYTES, type TooLargeWhy } from './collab';
import type { RoomContext, RoomEls } from './context';
import { buildLayout, fillLanguages, renderConn, showNotice, showTitle } from './layout';
import { Interview } from './interview';
import { Notes } from './notes';
import { ScorecardPanel } from './scorecard';
import { endedScreen, setRoomTitle, unknownScreen } from './screens';
import { Presence } from './presence';
import { QuestionPanel } from './questions';
import { Runs } from './runs';
import { TerminalPanel } from './terminal';

function megabytes(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(bytes < 1 << 20 ? 2 : 1)} MB`;
}

export class Room implements RoomContext {
  readonly socket: RoomSocket;
  els!: RoomEls;
  participantId: string | null = null;
  joined = false;
  language = 'plaintext';
  private resumeToken: string | null = null;
  private everJoined = false;
  private collab: Collab;
  private presence: Presence;
  private runs: Runs;
  private terminal: TerminalPanel;
  private notes: Notes;
  private interview: Interview;
  private scorecards: ScorecardPanel | null = null;
  private call: Call;
  private questions!: QuestionPanel;

  constructor(
    private root: HTMLElement,
    readonly sessionId: string,
    readonly key: string | undefined,
    readonly role: Role,
    private name: string,
    private runtimes: Runtime[],
    private title: string,
  ) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.socket = new RoomSocket(`${proto}//${location.host}/ws/${encodeURIComponent(sessionId)}`, {
      onOpen: () => this.sendJoin(),
      onMessage: (m) => this.onMessage(m),
      onClose: (code) => this.onClose(code),
      onState: (s, d) => {
        if (!this.els) return;
        renderConn(this.els, s, d.retryInMs, this.everJoined);
        this.runs.updateButton();
        this.terminal.updateButtons();
        this.questions?.updateButtons();
      },
    });
    this.collab = new Collab(this, {
      runCode: () => this.runs.runCode(),
      localChange: () => this.presence.scheduleCursor(),
      received: (own) => this.presence.received(own),
      tooLarge: (bytes, why) => this.tooLarge(bytes, why),
      editorReset: () => this.presence.editorReset(),
    });
    this.presence = new Presence(this, this.collab);
    this.runs = new Runs(this, runtimes, (pid) => this.personName(pid), () => this.terminal.busy);
    this.terminal = new TerminalPanel(this, runtimes, {
      otherBusy: () => this.runs.busy,
      personName: (pid) => this.personName(pid),
      changed: () => this.runs.updateButton(),
    });
    this.notes = new Notes(this, (pid) => this.presence.name(pid));
    this.interview = new Interview(this, {
      setReadOnly: (ro) => this.collab.setReadOnly(ro),
      runsChanged: () => {
        this.runs.updateButton();
        this.terminal.updateButtons();
      },
      nameOf: (pid) => this.presence.name(pid),
    });
    if (role === 'interviewer') this.scorecards = new ScorecardPanel(this);
    this.call = new Call(this, (pid) => this.presence.name(pid));
    this.installTestHook();
  }

  start() {
    this.els = buildLayout(this.root, this.sessionId, this.key, this.role, this.title, {
      changeLanguage: (lang) => this.changeLanguage(lang),
      runCode: () => this.runs.runCode(),
      addNote: (text) => {
        if (this.socket.send({ type: 'add_note', text })) return true;
        toast('Not connected: note not sent.', 'error');
        return false;
      },
    });
    this.questions = new QuestionPanel(this, (pid) => this.personName(pid));
    this.els.questionHost.appendChild(this.questions.el);
    this.els.terminalHost.appendChild(this.terminal.el);
    this.terminal.mount();
    fillLanguages(this.els.langSelect, this.runtimes, this.language);
    const side = this.root.querySelector<HTMLElement>('.room-side');
    if (side) {
      this.interview.mount(side);
      this.scorecards?.mount(side);
    }
    this.call.mount(this.els.editorHost);
    this.runs.updateButton();
    this.socket.start();
    const focusHandler = () => this.presence.sendFocus();
    window.addEventListener('focus', focusHandler);
    window.addEventListener('blur', focusHandler);
    document.addEventListener('visibilitychange', focusHandler);
    window.addEventListener('keydown', (e) => {
      // The editor's own Mod-Enter binding already handled (and prevented) it when focused there.
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key === 'Enter') {
        e.preventDefault();
        this.questions.runTests();
      } else if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && !e.defaultPrevented && !this.terminal.contains(e.target)) {
        e.preventDefault();
        this.runs.runCode();
      }
    });
    window.addEventListener('pagehide', () => this.socket.stop());
  }

  /** `window.__room`, for the browser tests. */
  private installTestHook() {
    const room = this;
    const hook = {
      get view() {
        return room.collab.view;
      },
      drop: () => this.socket.drop(true),
      send: (msg: Parameters<RoomSocket['send']>[0]) => this.socket.send(msg),
      restore: () => this.socket.restore(),
      get connected() {
        return room.joined && room.socket.state === 'online';
      },
      get participantId() {
        return room.participantId;
      },
      get syncedVersion() {
        return room.collab.synced;
      },
      get unconfirmed() {
        return room.collab.unconfirmed;
      },
      /** Connections opened and frames sent so far (a reconnect loop shows here). */
      get counts() {
        return { ...room.socket.counts, closeCodes: [...room.socket.counts.closeCodes] };
      },
      get title() {
        return room.title;
      },
      get phase() {
        return room.interview.phase;
      },
      /** The shared terminal as this page shows it (`text()`: its buffer, once drawn). */
      get terminal() {
        return room.terminal.testView();
      },
      get readOnly() {
        return room.collab.view ? room.collab.view.state.readOnly : null;
      },
      call: {
        get state() {
          return room.call.testView();
        },
        set forceRelay(v: boolean) {
          room.call.forceRelay = v;
        },
        candidateTypes: () => room.call.candidateTypes(),
      },
    };
    (window as unknown as { __room: typeof hook }).__room = hook;
  }

  /** Why runs are refused to us now (phase, controls), or null. */
  get runBlocked(): string | null {
    return this.interview.runBlocked;
  }

  private personName(pid: string | undefined): string {
    const name = this.presence.name(pid);
    if (!name) return 'someone';
    return pid === this.participantId ? `${name} (you)` : name;
  }

  private tooLarge(bytes: number, why: TooLargeWhy) {
    const size = bytes ? `${megabytes(bytes)}; ` : '';
    const limit = {
      message: `${size}a single change can be at most ${megabytes(MAX_MESSAGE_BYTES)}`,
      closed: `${size}the server closed the connection: more than it accepts in one message`,
      document: `${size}the document would exceed the server's size limit`,
    }[why];
    showNotice(this.els, `That change is too large to send (${limit}). It was not shared, so your editor is back to the shared document. Paste a smaller piece.`);
  }

  // ---------------------------------------------------------------- protocol

  private sendJoin() {
    this.joined = false;
    const synced = this.collab.synced;
    this.socket.send({
      type: 'join_session',
      name: this.name,
      role: this.role,
      ...(this.key ? { key: this.key } : {}),
      ...(this.resumeToken && synced >= 0 ? { resumeToken: this.resumeToken, version: synced } : {}),
    });
  }

  private onClose(code: number): boolean {
    this.joined = false;
    this.collab.closed(code);
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

  private onMessage(m: ServerMessage) {
    if (m.type === 'code_changed') for (const u of m.updates) this.presence.markActive(u.participantId);
    else if (m.type !== 'participant_left' && 'participantId' in m) this.presence.markActive(m.participantId);
    switch (m.type) {
      case 'session_state':
        return this.onSessionState(m);
      case 'code_changed':
        return this.collab.codeChanged(m);
      case 'code_update_rejected':
        return this.collab.rejected(m);
      case 'cursor_updated':
        return this.presence.cursor(m);
      case 'language_changed':
        return this.onLanguage(m);
      case 'participant_joined':
        return this.presence.joined(m);
      case 'participant_left':
        this.call.left(m.participantId);
        return this.presence.left(m);
      case 'participant_focus':
        return this.presence.focus(m);
      case 'run_started':
        if (m.interactive) this.terminal.started(m);
        else this.runs.started(m);
        return this.terminal.updateButtons();
      case 'run_output':
        return this.runs.output(m);
      case 'run_finished':
        if (m.interactive) this.terminal.finished(m);
        else this.runs.finished(m);
        return this.terminal.updateButtons();
      case 'terminal_output':
        return this.terminal.output(m);
      case 'terminal_resized':
        return this.terminal.resized(m);
      case 'note_added':
        return this.notes.add({ noteId: m.noteId, participantId: m.participantId, text: m.text, version: m.version, ts: Date.now() });
      case 'phase_changed':
        return this.interview.phaseChanged(m);
      case 'controls_changed':
        return this.interview.controlsChanged(m);
      case 'scorecard_saved':
        return this.scorecards?.saved(m);
      case 'scorecards':
        return this.scorecards?.revealed(m);
      case 'call_signal':
        return this.call.signal(m);
      case 'call_state_changed':
        return this.call.stateChanged(m);
      case 'question_loaded':
        return this.questions.loaded(m.question, m.participantId);
      case 'tests_started':
        return this.questions.started(m);
      case 'test_result':
        return this.questions.result(m);
      case 'tests_finished':
        return this.questions.finished(m);
      case 'error':
        return this.onError(m);
      case 'pong':
        return;
    }
  }

  private onError(m: ErrorMsg) {
    if (this.collab.error(m)) return;
    toast(m.message ? `${m.message}` : `Error: ${m.code}`, 'error');
    if (m.code === 'busy' || m.code === 'unsupported_language' || m.code === 'rate_limited') this.runs.refused();
    if (m.code === 'busy' || m.code === 'unsupported_language' || m.code === 'rate_limited' || m.code === 'forbidden') this.terminal.refused();
    if (m.code === 'busy' || m.code === 'unsupported_language' || m.code === 'no_question' || m.code === 'rate_limited') this.questions.refused();
  }

  private onSessionState(m: SessionStateMsg) {
    const resumed = !!this.participantId && m.participantId === this.participantId;
    this.participantId = m.participantId;
    this.resumeToken = m.resumeToken ?? null;
    this.joined = true;
    this.everJoined = true;
    this.socket.markJoined();
    if (typeof m.title === 'string' && m.title !== this.title) {
      this.title = m.title;
      showTitle(this.els.title, m.title);
      setRoomTitle(m.title);
    }
    this.interview.sessionState(m);
    this.scorecards?.sessionState(m);
    if (this.interview.waitingInLobby) {
      // No document yet: the waiting screen until start_interview brings a fresh session_state.
      this.presence.reset(m.participants ?? []);
      this.runs.updateButton();
      this.terminal.updateButtons();
      return;
    }
    this.collab.joined(m, resumed);
    this.setLanguageLocal(m.language || 'plaintext');
    this.presence.reset(m.participants ?? []);
    this.call.sessionState(m);
    if (m.lastRun) this.runs.showLast(m.lastRun);
    this.terminal.restore(m.terminal, m.lastRun);
    this.questions.joined(m.question, m.lastTestRun, m.testsRunning);
    this.runs.updateButton();
    this.collab.trySend();
    if (this.role === 'interviewer' && this.key && this.notes.size === 0) void this.notes.load();
  }

  // ---------------------------------------------------------------- language

  private changeLanguage(lang: string) {
    if (lang === this.language) return;
    if (!this.socket.send({ type: 'language_change', language: lang })) {
      toast('Not connected: the language will not change until you are back online.', 'error');
      this.els.langSelect.value = this.language;
    }
  }

  private setLanguageLocal(lang: string) {
    this.language = lang;
    const sel = this.els.langSelect;
    if (![...sel.options].some((o) => o.value === lang)) fillLanguages(sel, this.runtimes, lang);
    sel.value = lang;
    if (this.collab.view) void setLanguage(this.collab.view, lang);
    this.runs.updateButton();
    this.terminal.updateButtons();
  }

  private onLanguage(m: LanguageChangedMsg) {
    const changed = m.language !== this.language;
    this.setLanguageLocal(m.language);
    if (changed && m.participantId !== this.participantId) {
      const who = this.presence.name(m.participantId) ?? 'Someone';
      toast(`${who} switched the language to ${languageLabel(m.language)}`, 'info', 3000);
    }
  }
}
