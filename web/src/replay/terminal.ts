// The replay's terminal: read-only xterm showing, at the moment shown, exactly the fold's terminal
// (`/state`'s `terminal`): its data at its size. Going forward within one run replays the events in
// between (output appended, resizes where they happened), so playing looks like the live room; any
// other move (back, another run) resets and writes the folded data whole.
import { h } from '../dom';
import { languageLabel } from '../languages';
import { bufferText, createXterm, exitLine, setSize, type Xterm } from '../xterm';
import { nameIn, type Folded } from './fold';

export class ReplayTerminal {
  private x: Xterm | null = null;
  private status: HTMLElement;
  private exit: HTMLElement;
  private host: HTMLElement;
  /** The frame drawn: its index and run. */
  private shown: { pos: number; runId: string } | null = null;

  constructor(
    private f: Folded,
    private el: HTMLElement,
  ) {
    this.status = h('span', { class: 'muted small terminal-status', id: 'replay-terminal-status' });
    this.host = h('div', { class: 'terminal-host', id: 'replay-terminal-view', 'data-testid': 'replay-terminal' });
    this.exit = h('div', { class: 'terminal-exit mono small', id: 'replay-terminal-exit', hidden: true });
    el.append(h('div', { class: 'terminal-bar' }, h('div', { class: 'panel-label' }, 'Terminal'), this.status), this.host, this.exit);
  }

  /** Only sessions that used the terminal show it. */
  mount() {
    if (!this.f.frames.some((fr) => fr.terminal)) return;
    this.el.hidden = false;
    this.x = createXterm(this.host, true);
  }

  show(i: number) {
    const term = this.x?.term;
    if (!term) return;
    const t = this.f.frames[i].terminal;
    const prev = this.shown;
    if (!t) {
      term.write('', () => term.reset());
      this.shown = null;
      this.status.textContent = 'No terminal by this moment.';
      this.exit.hidden = true;
      return;
    }
    if (prev && prev.runId === t.runId && i > prev.pos) {
      for (let k = prev.pos + 1; k <= i; k++) {
        const e = this.f.events[k];
        if (e.type === 'terminal_output' && e.runId === t.runId && this.f.frames[k].terminal !== this.f.frames[k - 1].terminal) term.write(String(e.data ?? ''));
        else if (e.type === 'terminal_resized' && e.runId === t.runId) term.write('', () => setSize(term, e.cols, e.rows));
      }
    } else {
      term.write('', () => {
        term.reset();
        setSize(term, t.cols, t.rows);
      });
      if (t.data) term.write(t.data);
    }
    // Whatever the path, end at the folded size.
    term.write('', () => setSize(term, t.cols, t.rows));
    this.shown = { pos: i, runId: t.runId };
    const what = t.repl ? `${languageLabel(t.language)} REPL` : `${languageLabel(t.language)} program`;
    this.status.textContent = `${what} · started by ${nameIn(this.f.names, t.participantId)}${t.active ? ' · running' : ''}`;
    const last = this.f.frames[i].lastRun;
    this.exit.hidden = t.active;
    this.exit.textContent = t.active ? '' : last && last.runId === t.runId ? exitLine(last) : '[process ended]';
  }

  /** For the browser tests (`window.__replay.terminal`). */
  testView(i: number) {
    const term = this.x?.term;
    const t = this.f.frames[i]?.terminal ?? null;
    return {
      shown: !!term,
      folded: t,
      cols: term?.cols ?? 0,
      rows: term?.rows ?? 0,
      text: (): Promise<string> => new Promise((resolve) => (term ? term.write('', () => resolve(bufferText(term))) : resolve(''))),
      exit: this.exit.hidden ? null : this.exit.textContent,
    };
  }
}
