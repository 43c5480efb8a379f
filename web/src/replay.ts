// Replay: fetch the whole event log and fold it client-side, then scrub through it.
import { ChangeSet, EditorState, StateEffect, StateField, Text, type Extension } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { h, clear, toast, formatTime, initials, screen } from './dom';
import { ApiError, forkSession, getAllEvents, type LogEvent } from './api';
import { readOnlyExtensions, setLanguage } from './editor';
import { replaceRemoteCursors, type RemoteCursor } from './cursors';
import { languageLabel } from './languages';
import { renderOutput, type RunView } from './output';
import { parseKeyFromHash } from './room';
import { rememberSession } from './storage';

interface PInfo {
  participantId: string;
  name: string;
  role: string;
  color: string;
}

interface Frame {
  doc: Text;
  version: number;
  language: string;
  present: Map<string, PInfo>;
  cursors: Map<string, { anchor: number; head: number }>;
  lastRunId?: string;
  /** Ranges inserted by this event (code_changed only), in the frame's document. */
  inserted?: [number, number][];
}

type MarkerKind = 'join' | 'leave' | 'language' | 'run' | 'paste' | 'focus' | 'blur' | 'note' | 'start' | 'end';

interface Marker {
  index: number;
  kind: MarkerKind;
  label: string;
  runId?: string;
}

const PASTE_THRESHOLD = 40;
const IDLE_GAP = 5000;
const IDLE_PLAY = 1000;

function data(e: LogEvent): any {
  // Event payload fields are at the top level per PROTOCOL.md; accept a nested payload too.
  const d = (e as any).data ?? (e as any).payload;
  return d && typeof d === 'object' ? { ...d, ...e } : e;
}

export interface Folded {
  events: LogEvent[];
  frames: Frame[];
  markers: Marker[];
  runs: Map<string, RunView>;
  notes: { index: number; text: string; by: string; ts: number }[];
  names: Map<string, PInfo>;
  error?: string;
}

/** Fold events 1..n exactly like the server's fold: code_changed applied in order. */
export function foldEvents(events: LogEvent[]): Folded {
  const frames: Frame[] = [];
  const markers: Marker[] = [];
  const runs = new Map<string, RunView>();
  const notes: Folded['notes'] = [];
  const names = new Map<string, PInfo>();
  const changesByVersion: ChangeSet[] = []; // index v-1 -> changes producing version v
  let doc = Text.empty;
  let version = 0;
  let language = 'plaintext';
  let present = new Map<string, PInfo>();
  let cursors = new Map<string, { anchor: number; head: number }>();
  let lastRunId: string | undefined;
  const lastFocus = new Map<string, boolean>();
  let error: string | undefined;

  const nameOf = (pid?: string) => (pid && names.get(pid)?.name) || 'someone';

  for (let i = 0; i < events.length; i++) {
    const e = data(events[i]);
    let inserted: [number, number][] | undefined;
    if (!error) {
      switch (e.type) {
        case 'session_created':
          if (e.language) language = e.language;
          markers.push({ index: i, kind: 'start', label: `Session created${e.title ? `: ${e.title}` : ''}` });
          break;
        case 'participant_joined': {
          const p = e.participant ?? {};
          const info: PInfo = { participantId: p.participantId ?? e.participantId, name: p.name ?? 'unknown', role: p.role ?? '', color: p.color ?? '#8892b0' };
          names.set(info.participantId, info);
          present = new Map(present).set(info.participantId, info);
          markers.push({ index: i, kind: 'join', label: `${info.name} joined (${info.role})` });
          break;
        }
        case 'participant_left': {
          present = new Map(present);
          present.delete(e.participantId);
          if (cursors.has(e.participantId)) {
            cursors = new Map(cursors);
            cursors.delete(e.participantId);
          }
          markers.push({ index: i, kind: 'leave', label: `${nameOf(e.participantId)} left${e.reason ? ` (${e.reason})` : ''}` });
          break;
        }
        case 'code_changed': {
          let cs: ChangeSet;
          try {
            cs = ChangeSet.fromJSON(e.changes);
            if (cs.length !== doc.length) throw new Error(`change of length ${cs.length} for a document of length ${doc.length}`);
          } catch (err) {
            error = `Event ${e.seq}: cannot apply code_changed (${err instanceof Error ? err.message : err})`;
            break;
          }
          doc = cs.apply(doc);
          version = typeof e.version === 'number' ? e.version : version + 1;
          changesByVersion[version - 1] = cs;
          if (cursors.size) {
            const next = new Map<string, { anchor: number; head: number }>();
            for (const [k, c] of cursors) next.set(k, { anchor: cs.mapPos(c.anchor, -1), head: cs.mapPos(c.head, -1) });
            cursors = next;
          }
          inserted = [];
          let big = 0;
          cs.iterChanges((_fa, _ta, fb, tb) => {
            if (tb > fb) inserted!.push([fb, tb]);
            big = Math.max(big, tb - fb);
          });
          if (big > PASTE_THRESHOLD) markers.push({ index: i, kind: 'paste', label: `${nameOf(e.participantId)} inserted ${big} characters at once` });
          break;
        }
        case 'cursor_moved': {
          let a = Number(e.anchor) || 0;
          let hd = Number(e.head) || 0;
          const v = typeof e.version === 'number' ? e.version : version;
          for (let k = v; k < version; k++) {
            const c = changesByVersion[k];
            if (c) {
              a = c.mapPos(a, -1);
              hd = c.mapPos(hd, -1);
            }
          }
          cursors = new Map(cursors).set(e.participantId, { anchor: Math.min(a, doc.length), head: Math.min(hd, doc.length) });
          break;
        }
        case 'language_changed':
          language = e.language ?? language;
          markers.push({ index: i, kind: 'language', label: `${nameOf(e.participantId)} switched to ${languageLabel(language)}` });
          break;
        case 'run_started': {
          const id = String(e.runId ?? `run-${i}`);
          runs.set(id, { runId: id, by: nameOf(e.participantId), language: e.language ?? language, version: e.version, running: true, stdout: '', stderr: '', startedAt: e.ts });
          lastRunId = id;
          break;
        }
        case 'run_finished': {
          const id = String(e.runId ?? lastRunId ?? `run-${i}`);
          const prev = runs.get(id) ?? { runId: id, by: nameOf(e.participantId), language, running: false, stdout: '', stderr: '', startedAt: e.ts };
          runs.set(id, {
            ...prev,
            running: false,
            stdout: e.stdout ?? '',
            stderr: e.stderr ?? '',
            exitCode: e.exitCode,
            signal: e.signal,
            timedOut: !!e.timedOut,
            truncated: !!e.truncated,
            durationMs: e.durationMs,
            compileOutput: e.compileOutput,
          });
          lastRunId = id;
          const r = runs.get(id)!;
          markers.push({ index: i, kind: 'run', runId: id, label: `${r.by} ran the code: ${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}` });
          break;
        }
        case 'note_added':
          notes.push({ index: i, text: String(e.text ?? ''), by: nameOf(e.participantId), ts: e.ts });
          markers.push({ index: i, kind: 'note', label: `Note by ${nameOf(e.participantId)}: ${String(e.text ?? '').slice(0, 60)}` });
          break;
        case 'focus_changed':
          // The first "focused" report after a join is not a moment worth marking.
          if (e.focused && lastFocus.get(e.participantId) !== false) {
            lastFocus.set(e.participantId, true);
            break;
          }
          lastFocus.set(e.participantId, !!e.focused);
          markers.push({ index: i, kind: e.focused ? 'focus' : 'blur', label: `${nameOf(e.participantId)} ${e.focused ? 'came back to the tab' : 'left the tab'}` });
          break;
        case 'session_expired':
          markers.push({ index: i, kind: 'end', label: 'Session expired' });
          break;
      }
    }
    frames.push({ doc, version, language, present, cursors, lastRunId, inserted });
  }
  return { events, frames, markers, runs, notes, names, error };
}

// ---------------------------------------------------------------- highlight of the current change

const setInserted = StateEffect.define<[number, number][]>();
const insertedField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(setInserted)) {
        const len = tr.state.doc.length;
        value = Decoration.set(
          e.value.filter(([a, b]) => b <= len && a < b).map(([a, b]) => Decoration.mark({ class: 'cm-replay-inserted' }).range(a, b)),
          true,
        );
      }
    }
    return value;
  },
  provide: (f) => EditorView.decorations.from(f),
});
const insertedExt: Extension = [insertedField];

// ---------------------------------------------------------------- page

export async function renderReplay(root: HTMLElement, sessionId: string) {
  const key = parseKeyFromHash(location.hash);
  clear(root);
  if (!key) {
    const input = h('input', { class: 'input', placeholder: 'Interviewer key or interviewer link' }) as HTMLInputElement;
    const form = h('form', { class: 'screen-card' }, h('h1', {}, 'Replay needs the interviewer key'), h('p', {}, 'Open the replay from the interviewer link, or paste the key here.'), input, h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Open replay'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = input.value.trim();
      const k = parseKeyFromHash(v.includes('#') ? v.slice(v.indexOf('#')) : '') ?? v;
      if (k) {
        location.hash = `key=${encodeURIComponent(k)}`;
        void renderReplay(root, sessionId);
      }
    });
    root.appendChild(h('div', { class: 'screen' }, form));
    return;
  }
  const status = h('p', { class: 'muted' }, 'Loading events…');
  root.appendChild(h('div', { class: 'screen' }, h('div', { class: 'screen-card' }, h('div', { class: 'spinner' }), status)));
  let events: LogEvent[];
  try {
    events = await getAllEvents(sessionId, key, (n) => (status.textContent = `Loading events… ${n}`));
  } catch (e) {
    clear(root);
    if (e instanceof ApiError && e.status === 404)
      root.appendChild(screen('Interview not found', 'There is no stored interview with this id. It may have expired.', [h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page')]));
    else if (e instanceof ApiError && (e.status === 401 || e.status === 403))
      root.appendChild(screen('Key rejected', 'The interviewer key in this link is not valid for this interview.', [h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page')]));
    else root.appendChild(screen('Could not load the replay', e instanceof Error ? e.message : String(e), [h('button', { class: 'btn btn-primary', onclick: () => location.reload() }, 'Try again')]));
    return;
  }
  if (!events.length) {
    clear(root);
    root.appendChild(screen('Nothing to replay', 'This interview has no events yet.', [h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page')]));
    return;
  }
  new ReplayPage(root, sessionId, key, foldEvents(events)).mount();
}

class ReplayPage {
  private view!: EditorView;
  private pos = 0; // index into events; the frame shown is the state after events[pos]
  private shownDoc: Text | null = null;
  private shownLang = '';
  private playing = false;
  private playTimer: number | undefined;
  private speed = 1;
  private selectedRun: string | undefined;
  private hashTimer: number | undefined;
  private lastHash = location.hash;
  private els!: {
    range: HTMLInputElement;
    playBtn: HTMLButtonElement;
    clock: HTMLElement;
    seqLabel: HTMLElement;
    eventLabel: HTMLElement;
    people: HTMLElement;
    output: HTMLElement;
    notes: HTMLElement;
    markerList: HTMLElement;
    langLabel: HTMLElement;
  };

  constructor(
    private root: HTMLElement,
    private sessionId: string,
    private key: string,
    private f: Folded,
  ) {}

  private get n() {
    return this.f.events.length;
  }

  mount() {
    clear(this.root);
    const range = h('input', { type: 'range', class: 'timeline-range', id: 'timeline', min: 0, max: this.n - 1, step: 1, value: this.n - 1, 'aria-label': 'Timeline' }) as HTMLInputElement;
    range.addEventListener('input', () => {
      this.pause();
      this.show(Number(range.value));
    });
    const playBtn = h('button', { class: 'btn btn-primary', id: 'play-button', title: 'Play / pause (space)' }, '▶ Play') as HTMLButtonElement;
    playBtn.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    const speedSel = h('select', { class: 'select', id: 'speed', 'aria-label': 'Speed' }) as HTMLSelectElement;
    for (const s of [1, 2, 4, 8, 16, 32]) speedSel.appendChild(h('option', { value: s }, `${s}×`));
    speedSel.addEventListener('change', () => (this.speed = Number(speedSel.value)));
    const forkBtn = h('button', { class: 'btn', id: 'fork-button', title: 'Start a new interview from the document at this moment' }, 'Fork from here') as HTMLButtonElement;
    forkBtn.addEventListener('click', () => this.fork(forkBtn));
    const stepBack = h('button', { class: 'btn btn-small', title: 'Previous event (←)', id: 'step-back' }, '◀');
    stepBack.addEventListener('click', () => this.step(-1));
    const stepFwd = h('button', { class: 'btn btn-small', title: 'Next event (→)', id: 'step-forward' }, '▶');
    stepFwd.addEventListener('click', () => this.step(1));

    const track = h('div', { class: 'marker-track', id: 'markers' });
    for (const m of this.f.markers) {
      const left = this.n > 1 ? (m.index / (this.n - 1)) * 100 : 0;
      const b = h('button', { class: `marker marker-${m.kind}`, style: `left:${left}%`, title: m.label, 'data-index': m.index, 'aria-label': m.label });
      b.addEventListener('click', () => this.jumpToMarker(m));
      track.appendChild(b);
    }

    const clock = h('span', { class: 'clock mono', id: 'clock' });
    const seqLabel = h('span', { class: 'muted mono', id: 'seq-label' });
    const eventLabel = h('span', { class: 'event-label', id: 'event-label' });
    const langLabel = h('span', { class: 'badge', id: 'replay-language' });

    const editorHost = h('div', { class: 'editor-host', id: 'replay-editor' });
    const people = h('ul', { class: 'people', id: 'replay-participants' });
    const output = h('div', { class: 'output', id: 'replay-output' });
    const notes = h('ul', { class: 'notes', id: 'replay-notes' });
    const markerList = h('ul', { class: 'marker-list', id: 'marker-list' });
    for (const m of this.f.markers) {
      const li = h('li', { class: `ml ml-${m.kind}`, 'data-index': m.index }, h('span', { class: `dot marker-${m.kind}` }), h('span', { class: 'ml-time mono' }, this.elapsed(m.index)), h('span', { class: 'ml-label' }, m.label));
      li.addEventListener('click', () => this.jumpToMarker(m));
      markerList.appendChild(li);
    }

    const header = h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark' }, '</>'), 'Interview Rooms'),
      h('span', { class: 'badge badge-role' }, 'Replay'),
      langLabel,
      h('div', { class: 'spacer' }),
      h('a', { class: 'btn btn-small', href: `/room/${this.sessionId}#key=${encodeURIComponent(this.key)}` }, 'Open live room'),
      forkBtn,
    );
    const controls = h(
      'div',
      { class: 'timeline' },
      h('div', { class: 'timeline-row' }, playBtn, stepBack, stepFwd, speedSel, clock, seqLabel, h('div', { class: 'spacer' }), eventLabel),
      h('div', { class: 'timeline-bar' }, range, track),
      h('div', { class: 'legend muted small' }, ...(['join', 'leave', 'language', 'run', 'paste', 'blur', 'note'] as MarkerKind[]).map((k) => h('span', {}, h('span', { class: `dot marker-${k}` }), { join: 'join', leave: 'leave', language: 'language', run: 'run', paste: 'large paste', blur: 'focus lost/regained', note: 'note' }[k as string] ?? k))),
    );
    const main = h(
      'main',
      { class: 'room' },
      h(
        'div',
        { class: 'room-main' },
        this.f.error ? h('div', { class: 'banner' }, this.f.error) : null,
        editorHost,
        h('section', { class: 'run-panel replay-run' }, h('div', { class: 'panel-label' }, 'Run output'), output),
      ),
      h(
        'aside',
        { class: 'room-side' },
        h('section', { class: 'card' }, h('h2', {}, 'In the room'), people),
        h('section', { class: 'card grow' }, h('h2', {}, 'Moments'), markerList),
        h('section', { class: 'card' }, h('h2', {}, 'Notes ', h('span', { class: 'lock' }, 'interviewers only')), notes),
      ),
    );
    this.root.appendChild(h('div', { class: 'room-page replay-page' }, header, controls, main));
    this.els = { range, playBtn, clock, seqLabel, eventLabel, people, output, notes, markerList, langLabel };

    this.view = new EditorView({ state: EditorState.create({ doc: '', extensions: [...readOnlyExtensions(), insertedExt] }), parent: editorHost });

    document.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault();
        this.pause();
        this.step(e.key === 'ArrowLeft' ? -1 : 1);
      } else if (e.key === ' ') {
        e.preventDefault();
        this.playing ? this.pause() : this.play();
      }
    });

    // Deep link: #key=...&seq=N (also when only the fragment changes).
    const fromHash = () => {
      const params = new URLSearchParams(location.hash.replace(/^#/, ''));
      const seq = Number(params.get('seq'));
      if (params.has('seq') && Number.isFinite(seq)) {
        const idx = this.indexOfSeq(seq);
        if (idx >= 0) return idx;
      }
      return this.n - 1;
    };
    this.show(fromHash());
    window.addEventListener('hashchange', () => {
      this.lastHash = location.hash;
      this.pause();
      this.show(fromHash());
    });
    (window as any).__replay = { show: (i: number) => this.show(i), get pos() { return self.pos; }, get doc() { return self.view.state.doc.toString(); }, count: this.n };
    const self = this;
  }

  private indexOfSeq(seq: number): number {
    let best = -1;
    for (let i = 0; i < this.n; i++) if (this.f.events[i].seq <= seq) best = i;
    return best;
  }

  private elapsed(i: number): string {
    const ms = Math.max(0, this.f.events[i].ts - this.f.events[0].ts);
    const s = Math.floor(ms / 1000);
    const mm = Math.floor(s / 60);
    const hh = Math.floor(mm / 60);
    const pad = (x: number) => String(x).padStart(2, '0');
    return hh ? `${hh}:${pad(mm % 60)}:${pad(s % 60)}` : `${pad(mm)}:${pad(s % 60)}`;
  }

  private step(d: number) {
    this.show(Math.max(0, Math.min(this.n - 1, this.pos + d)));
  }

  private jumpToMarker(m: Marker) {
    this.pause();
    if (m.runId) this.selectedRun = m.runId;
    this.show(m.index);
  }

  show(i: number) {
    i = Math.max(0, Math.min(this.n - 1, i));
    const prevPos = this.pos;
    this.pos = i;
    const fr = this.f.frames[i];
    const ev = this.f.events[i];

    // Document: apply the single change when stepping forward over a code_changed, else replace.
    if (this.shownDoc !== fr.doc) {
      const e = data(ev);
      if (i === prevPos + 1 && e.type === 'code_changed' && this.shownDoc === this.f.frames[prevPos].doc) {
        this.view.dispatch({ changes: ChangeSet.fromJSON(e.changes) });
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
      const p = fr.present.get(pid) ?? this.f.names.get(pid);
      if (!p || !fr.present.has(pid)) continue;
      cursors.push({ id: pid, name: p.name, color: p.color, anchor: c.anchor, head: c.head });
    }
    this.view.dispatch({ effects: [replaceRemoteCursors.of(cursors), setInserted.of(fr.inserted ?? [])] });
    if (fr.inserted && fr.inserted.length) {
      this.view.dispatch({ effects: EditorView.scrollIntoView(fr.inserted[fr.inserted.length - 1][0], { y: 'nearest' }) });
    }

    // Timeline widgets.
    this.els.range.value = String(i);
    const total = this.elapsed(this.n - 1);
    this.els.clock.textContent = `${this.elapsed(i)} / ${total}`;
    this.els.seqLabel.textContent = `event ${ev.seq} of ${this.f.events[this.n - 1].seq} · v${fr.version}`;
    this.els.eventLabel.textContent = `${formatTime(ev.ts)} · ${describe(ev, this.f)}`;
    this.els.range.style.setProperty('--pct', `${this.n > 1 ? (i / (this.n - 1)) * 100 : 100}%`);

    // Participants present.
    clear(this.els.people);
    for (const p of fr.present.values()) {
      this.els.people.appendChild(
        h('li', { class: 'person' }, h('span', { class: 'avatar', style: `background:${p.color}` }, initials(p.name)), h('span', { class: 'person-name' }, p.name), h('span', { class: `role role-${p.role}` }, p.role)),
      );
    }
    if (!fr.present.size) this.els.people.appendChild(h('li', { class: 'muted small' }, 'Nobody is in the room at this moment.'));

    // Run output: the selected run if it happened by now, else the latest run as of now.
    const runId = this.selectedRun && this.runIndex(this.selectedRun) <= i ? this.selectedRun : fr.lastRunId;
    clear(this.els.output);
    const run = runId ? this.f.runs.get(runId) : undefined;
    if (run) {
      const finishedBy = this.runIndex(runId!) <= i;
      this.els.output.appendChild(renderOutput(finishedBy ? run : { ...run, running: true, stdout: '', stderr: '' }));
    } else this.els.output.appendChild(h('div', { class: 'muted empty' }, 'No code has been run by this moment.'));

    // Notes up to now.
    clear(this.els.notes);
    const notes = this.f.notes.filter((n) => n.index <= i);
    for (const n of notes) this.els.notes.appendChild(h('li', { class: 'note' }, h('div', { class: 'note-meta' }, `${n.by} · ${this.elapsed(n.index)}`), h('div', { class: 'note-text' }, n.text)));
    if (!notes.length) this.els.notes.appendChild(h('li', { class: 'muted small' }, 'No notes by this moment.'));

    // Moments list: mark past/current.
    for (const li of this.els.markerList.children) {
      const idx = Number((li as HTMLElement).dataset.index);
      li.classList.toggle('past', idx <= i);
    }

    window.clearTimeout(this.hashTimer);
    this.hashTimer = window.setTimeout(() => {
      // Keep the fragment a deep link to this moment, unless someone just navigated to another one.
      if (location.hash !== this.lastHash) return;
      history.replaceState(null, '', `${location.pathname}#key=${encodeURIComponent(this.key)}&seq=${ev.seq}`);
      this.lastHash = location.hash;
    }, 150);
  }

  private runIndex(runId: string): number {
    for (let i = 0; i < this.n; i++) {
      const e = data(this.f.events[i]);
      if (e.type === 'run_finished' && String(e.runId) === runId) return i;
    }
    return Infinity;
  }

  private play() {
    if (this.pos >= this.n - 1) this.show(0);
    this.playing = true;
    this.els.playBtn.textContent = '❚❚ Pause';
    this.scheduleNext();
  }

  private pause() {
    this.playing = false;
    window.clearTimeout(this.playTimer);
    if (this.els) this.els.playBtn.textContent = '▶ Play';
  }

  private scheduleNext() {
    if (!this.playing) return;
    if (this.pos >= this.n - 1) {
      this.pause();
      return;
    }
    let gap = this.f.events[this.pos + 1].ts - this.f.events[this.pos].ts;
    if (gap > IDLE_GAP) gap = IDLE_PLAY;
    const delay = Math.max(0, gap) / this.speed;
    this.playTimer = window.setTimeout(() => {
      this.show(this.pos + 1);
      this.scheduleNext();
    }, delay);
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

function describe(ev: LogEvent, f: Folded): string {
  const e = data(ev);
  const who = (e.participantId && f.names.get(e.participantId)?.name) || '';
  switch (e.type) {
    case 'session_created':
      return 'session created';
    case 'participant_joined':
      return `${e.participant?.name ?? who} joined`;
    case 'participant_left':
      return `${who} left`;
    case 'code_changed':
      return `${who} edited`;
    case 'cursor_moved':
      return `${who} moved the cursor`;
    case 'language_changed':
      return `${who} → ${languageLabel(e.language)}`;
    case 'run_started':
      return `${who} started a run`;
    case 'run_finished':
      return 'run finished';
    case 'note_added':
      return `${who} added a note`;
    case 'focus_changed':
      return `${who} ${e.focused ? 'focused' : 'left the tab'}`;
    default:
      return e.type.replace(/_/g, ' ');
  }
}
