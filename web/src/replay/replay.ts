// The replay page's state and behaviour: the moment shown, stepping and playing (idle gaps
// compressed, hidden participants skipped), the A/B comparison, and fork.
import { ChangeSet, EditorState, type Text } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { clear, toast, formatTime } from '../dom';
import { forkSession } from '../api';
import { readOnlyExtensions, setLanguage } from '../editor';
import { replaceRemoteCursors, type RemoteCursor } from '../cursors';
import { languageLabel } from '../languages';
import { rememberSession } from '../storage';
import { actorOf, type Folded } from './fold';
import { buildMarkers, describe, type Marker } from './markers';
import { loadSettings, saveSettings } from './settings';
import { insertedHighlight, setInserted } from './inserted';
import { renderDiffTitle, showComparison, type Comparison, type DiffMode } from './diff';
import { buildReplayLayout, type ListMode, type ReplayEls } from './layout';
import { Timeline, type TimelineHost } from './timeline';
import { Panels } from './panels';
import { Player, type PlayerHost } from './player';
import { ReplayTerminal } from './terminal';

export class ReplayPage implements TimelineHost, PlayerHost {
  private view!: EditorView;
  pos = 0; // index into events; the frame shown is the state after events[pos]
  private shownDoc: Text | null = null;
  private shownLang = '';
  private player: Player;
  private selectedRun: string | undefined;
  private hashTimer: number | undefined;
  private lastHash = location.hash;
  private settings = loadSettings();
  /** Participants whose events are hidden (the per-participant filter). */
  private hidden = new Set<string>();
  listMode: ListMode = 'moments';
  markers: Marker[];
  markA: number | undefined;
  markB: number | undefined;
  private diff: (Comparison & { a: number; b: number }) | null = null;
  private diffMode: DiffMode = 'split';
  private diffToken = 0;
  private els!: ReplayEls;
  private timeline!: Timeline;
  private panels!: Panels;
  private terminal!: ReplayTerminal;

  constructor(
    private root: HTMLElement,
    private sessionId: string,
    private key: string,
    readonly f: Folded,
    private title: string,
  ) {
    this.markers = buildMarkers(f, this.settings.pasteThreshold);
    this.player = new Player(this, this.settings);
  }

  private get n() {
    return this.f.events.length;
  }

  mount() {
    this.els = buildReplayLayout(this.root, { sessionId: this.sessionId, key: this.key, title: this.title, error: this.f.error }, this.n, this.f.names.values(), this.settings, {
      scrub: (i) => {
        this.pause();
        this.show(this.nearestVisible(i));
      },
      playPause: () => (this.player.playing ? this.pause() : this.play()),
      setSpeed: (x) => (this.player.speed = x),
      fork: (btn) => void this.fork(btn),
      step: (d) => {
        this.pause();
        this.step(d);
      },
      setMark: (which) => this.setMark(which, this.pos),
      compare: () => (this.diff ? this.closeDiff() : void this.openDiff()),
      closeDiff: () => this.closeDiff(),
      setDiffMode: (m) => {
        this.diffMode = m;
        if (this.diff) void this.openDiff();
      },
      setIdleGap: (v) => {
        if (!Number.isFinite(v) || v < 0) return false;
        this.settings.idleGapMs = Math.round(v * 1000);
        saveSettings(this.settings);
        this.updatePlayNote();
        return true;
      },
      setPasteThreshold: (v) => {
        if (!Number.isFinite(v) || v < 1) return false;
        this.settings.pasteThreshold = v;
        saveSettings(this.settings);
        this.markers = buildMarkers(this.f, v);
        this.timeline.renderMarkers();
        this.show(this.pos);
        return true;
      },
      showParticipant: (pid, shown) => {
        if (shown) this.hidden.delete(pid);
        else this.hidden.add(pid);
        this.applyFilter();
      },
      setListMode: (m) => {
        this.listMode = m;
        this.timeline.renderList();
        this.timeline.updateRows(this.pos);
      },
    });
    this.timeline = new Timeline(this, this.els.track, this.els.markerList);
    this.panels = new Panels(this, this.els);
    this.terminal = new ReplayTerminal(this.f, this.els.terminal);
    this.terminal.mount();
    this.view = new EditorView({ state: EditorState.create({ doc: '', extensions: [...readOnlyExtensions(), insertedHighlight] }), parent: this.els.editorHost });
    this.timeline.renderMarkers();
    this.updateAB();
    this.updatePlayNote();
    document.addEventListener('keydown', (e) => this.onKey(e));

    // Deep link: #key=...&seq=N (also when only the fragment changes).
    this.show(this.fromHash());
    window.addEventListener('hashchange', () => {
      this.lastHash = location.hash;
      this.pause();
      this.show(this.fromHash());
    });
    this.installTestHook();
  }

  private fromHash(): number {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const seq = Number(params.get('seq'));
    if (params.has('seq') && Number.isFinite(seq)) {
      const idx = this.indexOfSeq(seq);
      if (idx >= 0) return idx;
    }
    return this.n - 1;
  }

  private onKey(e: KeyboardEvent) {
    const t = e.target;
    if (t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape' && this.diff) {
      e.preventDefault();
      this.closeDiff();
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      this.pause();
      this.step(e.key === 'ArrowLeft' ? -1 : 1);
    } else if (e.key === ' ') {
      e.preventDefault();
      if (this.player.playing) this.pause();
      else this.play();
    } else if (e.key === 'a' || e.key === 'b') {
      this.setMark(e.key, this.pos);
    } else if (e.key === 'd' && this.markA !== undefined && this.markB !== undefined) {
      if (this.diff) this.closeDiff();
      else void this.openDiff();
    }
  }

  /** `window.__replay`, for the browser tests. */
  private installTestHook() {
    const self = this;
    const seqOf = (i: number | undefined) => (i === undefined ? null : self.f.events[i].seq);
    const hook = {
      show: (i: number) => this.show(i),
      get pos() {
        return self.pos;
      },
      get doc() {
        return self.view.state.doc.toString();
      },
      count: this.n,
      get playing() {
        return self.player.playing;
      },
      get diff() {
        const d = self.diff;
        return d && { a: seqOf(d.a), b: seqOf(d.b), mode: d.mode, added: d.added, removed: d.removed, chunks: d.chunks };
      },
      get marks() {
        return { a: seqOf(self.markA), b: seqOf(self.markB) };
      },
      get settings() {
        return { ...self.settings };
      },
      /** Wall time a full play from the start would take at the current speed and settings (ms). */
      playTimeMs: () => this.player.playTimeMs(),
      get seq() {
        return self.f.events[self.pos].seq;
      },
      get title() {
        return self.title;
      },
      /** The terminal at the moment shown: the fold's (`folded`) and the buffer drawn (`text()`). */
      get terminal() {
        return self.terminal.testView(self.pos);
      },
    };
    (window as unknown as { __replay: typeof hook }).__replay = hook;
  }

  // ------------------------------------------------------------ filter, marks

  isVisible(i: number): boolean {
    if (!this.hidden.size) return true;
    const pid = actorOf(this.f.events[i]);
    return !pid || !this.hidden.has(pid);
  }

  private applyFilter() {
    this.timeline.applyFilter();
    const shown = [...this.f.names.values()].filter((p) => !this.hidden.has(p.participantId)).map((p) => p.name);
    this.els.filterNote.textContent = this.hidden.size
      ? shown.length
        ? `Showing ${shown.join(', ')} only: play and step skip to their events; the document always shows the true state.`
        : 'Every participant is hidden.'
      : '';
    this.updatePlayNote();
    this.show(this.pos); // the notes panel follows the filter
  }

  /** Click on a marker / list row: go there; with shift, set moment A (then B). */
  activate(index: number, e: MouseEvent, m?: Marker) {
    if (e.shiftKey) {
      e.preventDefault();
      if (this.markA === undefined || this.markB !== undefined) {
        this.markB = undefined;
        this.setMark('a', index);
      } else this.setMark('b', index);
      return;
    }
    this.pause();
    if (m?.runId) this.selectedRun = m.runId;
    this.show(index);
  }

  goTo(index: number) {
    this.pause();
    this.show(index);
  }

  private setMark(which: 'a' | 'b', index: number) {
    if (which === 'a') this.markA = index;
    else this.markB = index;
    this.updateAB();
    this.timeline.renderMarkers();
    this.timeline.updateRows(this.pos);
    if (this.diff) void this.openDiff();
  }

  private momentLabel(i: number): string {
    return `#${this.f.events[i].seq} ${this.elapsed(i)} v${this.f.frames[i].version}`;
  }

  private updateAB() {
    const { markA: a, markB: b } = this;
    this.els.abLabel.textContent = `A: ${a === undefined ? '–' : this.momentLabel(a)} · B: ${b === undefined ? '–' : this.momentLabel(b)}`;
    const ready = a !== undefined && b !== undefined;
    this.els.compareBtn.disabled = !ready;
    this.els.compareBtn.classList.toggle('btn-primary', ready && !this.diff);
    this.els.compareBtn.textContent = this.diff ? 'Close comparison' : 'Compare A → B';
  }

  // ------------------------------------------------------------ A/B diff

  private async openDiff() {
    const a = this.markA;
    const b = this.markB;
    if (a === undefined || b === undefined) return;
    this.pause();
    const token = ++this.diffToken;
    this.diff?.destroy();
    this.diff = null;
    let d: Comparison | null;
    try {
      d = await showComparison(this.els.diffHost, this.f.frames[a], this.f.frames[b], this.diffMode, () => token === this.diffToken);
    } catch (e) {
      toast(`Could not load the diff view: ${e instanceof Error ? e.message : String(e)}`, 'error');
      return;
    }
    if (!d) return;
    this.diff = { ...d, a, b };
    renderDiffTitle(this.els.diffTitle, this.momentLabel(a), this.momentLabel(b), d);
    this.els.editorHost.hidden = true;
    this.els.diffPanel.hidden = false;
    this.updateAB();
  }

  private closeDiff() {
    this.diffToken++;
    if (!this.diff) return;
    this.diff.destroy();
    this.diff = null;
    clear(this.els.diffHost);
    this.els.diffPanel.hidden = true;
    this.els.editorHost.hidden = false;
    this.updateAB();
    this.view.requestMeasure();
  }

  // ------------------------------------------------------------ navigation

  private indexOfSeq(seq: number): number {
    let best = -1;
    for (let i = 0; i < this.n; i++) if (this.f.events[i].seq <= seq) best = i;
    return best;
  }

  elapsed(i: number): string {
    const ms = Math.max(0, this.f.events[i].ts - this.f.events[0].ts);
    const s = Math.floor(ms / 1000);
    const mm = Math.floor(s / 60);
    const hh = Math.floor(mm / 60);
    const pad = (x: number) => String(x).padStart(2, '0');
    return hh ? `${hh}:${pad(mm % 60)}:${pad(s % 60)}` : `${pad(mm)}:${pad(s % 60)}`;
  }

  /** The next visible event after (d = 1) or before (d = -1) position i, or -1. */
  nextVisible(i: number, d: 1 | -1): number {
    for (let k = i + d; k >= 0 && k < this.n; k += d) if (this.isVisible(k)) return k;
    return -1;
  }

  /** Position i, or with a filter on, the shown event nearest to it (the slider lands only on those). */
  private nearestVisible(i: number): number {
    if (!this.hidden.size || this.isVisible(i)) return i;
    const before = this.nextVisible(i, -1);
    const after = this.nextVisible(i, 1);
    if (before < 0) return after < 0 ? i : after;
    if (after < 0) return before;
    return i - before <= after - i ? before : after;
  }

  private step(d: 1 | -1) {
    const k = this.nextVisible(this.pos, d);
    if (k >= 0) this.show(k);
  }

  /** Show the state after event i. */
  show(i: number) {
    i = Math.max(0, Math.min(this.n - 1, i));
    if (this.diff) this.closeDiff();
    const prevPos = this.pos;
    this.pos = i;
    const fr = this.f.frames[i];
    const ev = this.f.events[i];

    // Document: apply the single change when stepping forward over a code_changed, else replace.
    if (this.shownDoc !== fr.doc) {
      if (i === prevPos + 1 && ev.type === 'code_changed' && this.shownDoc === this.f.frames[prevPos].doc) {
        this.view.dispatch({ changes: ChangeSet.fromJSON(ev.changes) });
      } else {
        this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: fr.doc } });
      }
      this.shownDoc = fr.doc;
    }
    if (fr.language !== this.shownLang) {
      void setLanguage(this.view, fr.language);
      this.shownLang = fr.language;
      this.els.langLabel.textContent = languageLabel(fr.language);
    }
    const cursors: RemoteCursor[] = [];
    for (const [pid, c] of fr.cursors) {
      const p = fr.present.get(pid);
      if (p) cursors.push({ id: pid, name: p.name, color: p.color, anchor: c.anchor, head: c.head });
    }
    this.view.dispatch({ effects: [replaceRemoteCursors.of(cursors), setInserted.of(fr.inserted ?? [])] });
    if (fr.inserted && fr.inserted.length) {
      this.view.dispatch({ effects: EditorView.scrollIntoView(fr.inserted[fr.inserted.length - 1][0], { y: 'nearest' }) });
    }

    // Timeline widgets.
    this.els.range.value = String(i);
    this.els.clock.textContent = `${this.elapsed(i)} / ${this.elapsed(this.n - 1)}`;
    this.els.seqLabel.textContent = `event ${ev.seq} of ${this.f.events[this.n - 1].seq} · v${fr.version}`;
    this.els.eventLabel.textContent = `${formatTime(ev.ts)} · ${describe(ev, this.f)}`;
    this.els.range.style.setProperty('--pct', `${this.n > 1 ? (i / (this.n - 1)) * 100 : 100}%`);

    this.panels.render(i, this.selectedRun);
    this.terminal.show(i);
    this.timeline.updateRows(i);

    window.clearTimeout(this.hashTimer);
    this.hashTimer = window.setTimeout(() => {
      // Keep the fragment a deep link to this moment, unless someone just navigated to another one.
      if (location.hash !== this.lastHash) return;
      const keyPart = this.key ? `key=${encodeURIComponent(this.key)}&` : '';
      history.replaceState(null, '', `${location.pathname}#${keyPart}seq=${ev.seq}`);
      this.lastHash = location.hash;
    }, 150);
  }

  private play() {
    this.player.play();
  }

  private pause() {
    this.player?.pause();
  }

  playingChanged(playing: boolean) {
    if (this.els) this.els.playBtn.textContent = playing ? '❚❚ Pause' : '▶ Play';
  }

  private updatePlayNote() {
    this.els.playNote.textContent = this.player.note();
  }

  private async fork(btn: HTMLButtonElement) {
    const seq = this.f.events[this.pos].seq;
    btn.disabled = true;
    try {
      const s = await forkSession(this.sessionId, this.key, seq);
      try {
        rememberSession({ sessionId: s.sessionId, key: s.interviewerKey, title: `Fork of ${this.sessionId.slice(0, 8)} @${seq}`, language: s.language, createdAt: s.createdAt, role: 'interviewer' });
      } catch {
        /* ignore */
      }
      location.assign(s.interviewerUrl);
    } catch (e) {
      toast(e instanceof Error ? e.message : String(e), 'error');
      btn.disabled = false;
    }
  }
}
