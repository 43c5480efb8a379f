// The shared terminal: "Run in terminal" (run_code interactive) and "REPL" (start_repl) start a
// program on roomd's one pseudo-terminal; everyone sees its output (terminal_output) and anyone may
// type into it (terminal_input) or stop it. The terminal has one size for the room: ours is set to
// it, and we only ask to change it when our own panel changes size (never in answer to someone
// else's resize, or two people with different windows would resize each other forever).
import { h, toast } from '../dom';
import { languageLabel } from '../languages';
import type { LastRun, RunFinishedMsg, RunStartedMsg, Runtime, TerminalOutputMsg, TerminalResizedMsg, TerminalView } from '../protocol';
import { bufferText, createXterm, exitLine, setSize, type Xterm } from '../xterm';
import type { RoomContext } from './context';

/** roomd's limit for one terminal_input, in UTF-8 bytes. */
export const MAX_INPUT_BYTES = 4096;
const RESIZE_DEBOUNCE_MS = 200;
/**
 * xterm's own answers to a program's queries (cursor position, device attributes, status): every
 * page's xterm answers, so only the page of whoever started the run sends them, or the program
 * would read one answer per participant. (Shift+F3 looks like a cursor report: a rare key to lose.)
 */
const REPORT = /^\x1b\[[?>]?[\d;]*[Rcn]$/;

/** Split keystrokes (a long paste) into pieces of at most `max` UTF-8 bytes, never inside a character. */
export function splitInput(data: string, max = MAX_INPUT_BYTES): string[] {
  const out: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const ch of data) {
    const cp = ch.codePointAt(0) ?? 0;
    // A lone surrogate goes out as U+FFFD: 3 bytes.
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > max && piece) {
      out.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += ch;
    bytes += n;
  }
  if (piece) out.push(piece);
  return out;
}

export interface TerminalHooks {
  /** A batch run (or test run) is in progress: the terminal cannot start one too. */
  otherBusy(): boolean;
  /** "Ann", "Ann (you)" or "someone". */
  personName(pid: string | undefined): string;
  /** Our run state changed: the Run button may change too. */
  changed(): void;
}

export class TerminalPanel {
  readonly el: HTMLElement;
  private host: HTMLElement;
  private runBtn: HTMLButtonElement;
  private replBtn: HTMLButtonElement;
  private stopBtn: HTMLButtonElement;
  private status: HTMLElement;
  private exit: HTMLElement;
  private x: Xterm | null = null;
  /** The terminal shown: the latest interactive run, its output so far mirrored in `data`. */
  private current: TerminalView | null = null;
  private requested = false;
  private requestTimer: number | undefined;
  private resizeTimer: number | undefined;
  private hostSize = '';

  constructor(
    private ctx: RoomContext,
    private runtimes: Runtime[],
    private hooks: TerminalHooks,
  ) {
    this.runBtn = h('button', { class: 'btn btn-small btn-run', id: 'terminal-run', 'data-testid': 'terminal-run' }, '▶ Run in terminal');
    this.runBtn.addEventListener('click', () => this.start(false));
    this.replBtn = h('button', { class: 'btn btn-small', id: 'terminal-repl', 'data-testid': 'terminal-repl' }, 'REPL');
    this.replBtn.addEventListener('click', () => this.start(true));
    this.stopBtn = h('button', { class: 'btn btn-small', id: 'terminal-stop', 'data-testid': 'terminal-stop', disabled: true }, '■ Stop');
    this.stopBtn.addEventListener('click', () => this.stop());
    this.status = h('span', { class: 'muted small terminal-status', id: 'terminal-status' }, 'Nothing running.');
    this.host = h('div', { class: 'terminal-host', id: 'terminal', 'data-testid': 'terminal' });
    this.exit = h('div', { class: 'terminal-exit mono small', id: 'terminal-exit', 'data-testid': 'terminal-exit', hidden: true });
    this.el = h(
      'div',
      { class: 'terminal-wrap', id: 'terminal-panel' },
      h('div', { class: 'terminal-bar' }, h('div', { class: 'panel-label' }, 'Terminal'), this.runBtn, this.replBtn, this.stopBtn, this.status),
      this.host,
      this.exit,
    );
  }

  /** Once `el` is in the page (xterm measures its host). */
  mount() {
    const x = createXterm(this.host, false);
    this.x = x;
    x.term.onData((d) => this.input(d));
    new ResizeObserver(() => this.hostResized()).observe(this.host);
    this.updateButtons();
  }

  get busy(): boolean {
    return this.requested || !!this.current?.active;
  }

  /** Whether a node is inside the terminal (its keys are the program's, not the page's shortcuts). */
  contains(n: EventTarget | null): boolean {
    return n instanceof Node && this.el.contains(n);
  }

  private runtime(): Runtime | undefined {
    const lang = this.ctx.language;
    return this.runtimes.find((r) => r.language === lang || (r.aliases ?? []).includes(lang));
  }

  private why(repl: boolean): string | null {
    const rt = this.runtime();
    if (!rt) return `${languageLabel(this.ctx.language)} cannot be run here.`;
    if (repl && !rt.repl) return `${languageLabel(this.ctx.language)} has no REPL here.`;
    if (this.ctx.runBlocked) return this.ctx.runBlocked;
    if (this.busy || this.hooks.otherBusy()) return 'A run is in progress.';
    if (!this.ctx.joined) return 'Not connected.';
    return null;
  }

  updateButtons() {
    const run = this.why(false);
    const repl = this.why(true);
    this.runBtn.disabled = !!run;
    this.runBtn.title = run ?? 'Run the document on the shared terminal (it can read what anyone types)';
    this.replBtn.disabled = !!repl;
    this.replBtn.title = repl ?? `Start the ${languageLabel(this.ctx.language)} interpreter on the shared terminal`;
    this.stopBtn.disabled = !this.current?.active || !!this.ctx.runBlocked || !this.ctx.joined;
  }

  private start(repl: boolean) {
    const why = this.why(repl);
    if (why) return void toast(why, 'error', 3000);
    const size = this.x?.proposed() ?? {};
    const sent = repl ? this.ctx.socket.send({ type: 'start_repl', ...size }) : this.ctx.socket.send({ type: 'run_code', interactive: true, ...size });
    if (!sent) return;
    // Until run_started (or an error) arrives, a second click must not start a second run.
    this.requested = true;
    window.clearTimeout(this.requestTimer);
    this.requestTimer = window.setTimeout(() => this.refused(), 5000);
    this.changedState();
  }

  private stop() {
    if (this.current?.active) this.ctx.socket.send({ type: 'stop_run', runId: this.current.runId });
  }

  /** Keystrokes go to the running program; with none running (or runs refused to us) they go nowhere. */
  private input(data: string) {
    const t = this.current;
    if (!t?.active || this.ctx.runBlocked || !this.ctx.joined) return;
    if (REPORT.test(data) && t.participantId !== this.ctx.participantId) return;
    for (const piece of splitInput(data)) this.ctx.socket.send({ type: 'terminal_input', runId: t.runId, data: piece });
  }

  private hostResized() {
    const r = this.host.getBoundingClientRect();
    const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
    if (size === this.hostSize || !r.width || !r.height) return;
    const first = !this.hostSize;
    this.hostSize = size;
    window.clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(() => this.fit(!first), first ? 0 : RESIZE_DEBOUNCE_MS);
  }

  /** Our panel's size changed: idle, fill it; running, ask roomd for it if it differs (`share`). */
  private fit(share: boolean) {
    const p = this.x?.proposed();
    if (!p || !this.x) return;
    const t = this.current;
    if (!t?.active) return this.resizeLocal(p.cols, p.rows);
    if (share && (p.cols !== t.cols || p.rows !== t.rows)) this.ctx.socket.send({ type: 'terminal_resize', runId: t.runId, cols: p.cols, rows: p.rows });
  }

  /** Resize after what was written before has been drawn at the old size (xterm writes are queued). */
  private resizeLocal(cols: number, rows: number) {
    const term = this.x?.term;
    if (term) term.write('', () => setSize(term, cols, rows));
  }

  /** Show terminal `t` from scratch: reset, its size, everything it printed. */
  private show(t: TerminalView) {
    this.current = { ...t };
    const term = this.x?.term;
    if (term) {
      term.write('', () => {
        term.reset();
        setSize(term, t.cols, t.rows);
      });
      if (t.data) term.write(t.data);
      term.options.disableStdin = !t.active;
    }
    const what = t.repl ? `${languageLabel(t.language)} REPL` : `${languageLabel(t.language)} program`;
    this.status.textContent = `${what} · started by ${this.hooks.personName(t.participantId)}`;
    this.exit.hidden = true;
    this.exit.textContent = '';
  }

  private ended(line: string) {
    this.exit.textContent = line;
    this.exit.hidden = false;
    if (this.x) this.x.term.options.disableStdin = true;
  }

  private changedState() {
    this.updateButtons();
    this.hooks.changed();
  }

  // ---------------------------------------------------------------- from the server

  started(m: RunStartedMsg) {
    this.requested = false;
    window.clearTimeout(this.requestTimer);
    this.show({ runId: m.runId, participantId: m.participantId, language: m.language, repl: !!m.repl, cols: m.cols ?? 80, rows: m.rows ?? 24, data: '', active: true });
    if (m.participantId === this.ctx.participantId) this.x?.term.focus();
    this.changedState();
  }

  output(m: TerminalOutputMsg) {
    const t = this.current;
    if (!t || t.runId !== m.runId || !t.active) return;
    t.data += m.data;
    this.x?.term.write(m.data);
  }

  resized(m: TerminalResizedMsg) {
    const t = this.current;
    if (!t || t.runId !== m.runId) return;
    t.cols = m.cols;
    t.rows = m.rows;
    this.resizeLocal(m.cols, m.rows);
  }

  finished(m: RunFinishedMsg) {
    const t = this.current;
    if (!t || t.runId !== m.runId) return;
    t.active = false;
    this.ended(exitLine(m));
    this.changedState();
  }

  /** session_state (join or reconnect): the terminal as roomd has it, written whole. */
  restore(t: TerminalView | null | undefined, lastRun: LastRun | undefined) {
    if (t) {
      this.show(t);
      if (!t.active) this.ended(lastRun && lastRun.runId === t.runId ? exitLine(lastRun) : '[process ended]');
    }
    this.changedState();
  }

  /** The server refused a start (busy, unsupported, rate limited, forbidden). */
  refused() {
    if (!this.requested) return;
    this.requested = false;
    window.clearTimeout(this.requestTimer);
    this.changedState();
  }

  /** For the browser tests (`window.__room.terminal`). */
  testView() {
    const term = this.x?.term;
    const t = this.current;
    return {
      runId: t?.runId ?? null,
      active: !!t?.active,
      repl: !!t?.repl,
      cols: term?.cols ?? 0,
      rows: term?.rows ?? 0,
      /** Everything the program printed, as received. */
      data: t?.data ?? '',
      /** The buffer as shown (after the writes queued so far are drawn). */
      text: (): Promise<string> => new Promise((resolve) => (term ? term.write('', () => resolve(bufferText(term))) : resolve(''))),
      exit: this.exit.hidden ? null : this.exit.textContent,
    };
  }
}
