// Replay: fetch the whole event log and fold it client-side, then scrub through it.
import { ChangeSet, EditorState, StateEffect, StateField, Text, type Extension } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { h, clear, toast, formatDuration, formatTime, initials, screen } from './dom';
import { ApiError, forkSession, getAllEvents, type LogEvent } from './api';
import { readOnlyExtensions, setLanguage } from './editor';
import { replaceRemoteCursors, type RemoteCursor } from './cursors';
import { languageLabel } from './languages';
import { finishedFields, renderOutput, type RunView } from './output';
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
  /** The longest single insertion of this event (code_changed only), in UTF-16 units. */
  bigInsert?: number;
}

type MarkerKind = 'join' | 'leave' | 'language' | 'run' | 'paste' | 'focus' | 'blur' | 'note' | 'start' | 'end';

interface Marker {
  index: number;
  kind: MarkerKind;
  label: string;
  runId?: string;
}

/** Defaults of the two replay settings (both adjustable on the page, remembered in localStorage). */
export const DEFAULT_PASTE_THRESHOLD = 40; // an insertion of more than this many characters is a "large paste"
export const DEFAULT_IDLE_GAP = 5000; // gaps longer than this (ms) are compressed when playing
const IDLE_PLAY = 1000; // ...to this long (or the threshold, if smaller)
const SETTINGS_KEY = 'ir.replay.settings';

export interface ReplaySettings {
  idleGapMs: number; // 0: no compression
  pasteThreshold: number;
}

function loadSettings(): ReplaySettings {
  const s: ReplaySettings = { idleGapMs: DEFAULT_IDLE_GAP, pasteThreshold: DEFAULT_PASTE_THRESHOLD };
  try {
    const j = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null');
    if (j && Number.isFinite(j.idleGapMs) && j.idleGapMs >= 0) s.idleGapMs = j.idleGapMs;
    if (j && Number.isFinite(j.pasteThreshold) && j.pasteThreshold >= 1) s.pasteThreshold = j.pasteThreshold;
  } catch {
    /* storage disabled or garbage */
  }
  return s;
}

function saveSettings(s: ReplaySettings) {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(s));
  } catch {
    /* storage disabled */
  }
}

function data(e: LogEvent): any {
  // Event payload fields are at the top level per PROTOCOL.md; accept a nested payload too.
  const d = (e as any).data ?? (e as any).payload;
  return d && typeof d === 'object' ? { ...d, ...e } : e;
}

export interface Folded {
  events: LogEvent[];
  frames: Frame[];
  /** Markers other than large pastes (those depend on the threshold: see buildMarkers). */
  baseMarkers: Marker[];
  markers: Marker[];
  runs: Map<string, RunView>;
  notes: { index: number; text: string; by: string; ts: number }[];
  names: Map<string, PInfo>;
  error?: string;
}

/** Fold events 1..n exactly like the server's fold: code_changed applied in order. */
export function foldEvents(events: LogEvent[], pasteThreshold = DEFAULT_PASTE_THRESHOLD): Folded {
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
    let bigInsert: number | undefined;
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
          bigInsert = big;
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
          runs.set(id, { ...prev, ...finishedFields(e) });
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
    frames.push({ doc, version, language, present, cursors, lastRunId, inserted, bigInsert });
  }
  const f: Folded = { events, frames, baseMarkers: markers, markers: [], runs, notes, names, error };
  f.markers = buildMarkers(f, pasteThreshold);
  return f;
}

/** The participant an event is about (who acted, or who joined). */
export function actorOf(ev: LogEvent): string | undefined {
  const e = data(ev);
  return e.participantId ?? e.participant?.participantId ?? undefined;
}

/** All markers in event order: the fixed ones plus a "large paste" for every insertion over the threshold. */
export function buildMarkers(f: Folded, pasteThreshold: number): Marker[] {
  const out: Marker[] = [];
  let k = 0;
  for (let i = 0; i < f.frames.length; i++) {
    while (k < f.baseMarkers.length && f.baseMarkers[k].index === i) out.push(f.baseMarkers[k++]);
    const big = f.frames[i].bigInsert;
    if (big !== undefined && big > pasteThreshold) {
      const pid = actorOf(f.events[i]);
      out.push({ index: i, kind: 'paste', label: `${(pid && f.names.get(pid)?.name) || 'someone'} inserted ${big} characters at once` });
    }
  }
  while (k < f.baseMarkers.length) out.push(f.baseMarkers[k++]);
  return out;
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
    const form = h(
      'form',
      { class: 'screen-card', id: 'replay-need-key' },
      h('h1', {}, 'Replay needs the interviewer key'),
      h('p', {}, 'Only interviewers can replay an interview, and this link carries no interviewer key (a candidate\'s link never does). Open the replay from the interviewer link, or paste the key here.'),
      input,
      h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Open replay'),
    );
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
      root.appendChild(screen(e.status === 401 ? 'Replay needs the interviewer key' : 'Key rejected', e.status === 401 ? 'Only interviewers can replay an interview.' : 'The interviewer key in this link is not valid for this interview. Only interviewers can replay it.', [h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page')]));
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

type ListMode = 'moments' | 'events';

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
  private settings = loadSettings();
  /** Participants whose events are hidden (the per-participant filter). */
  private hidden = new Set<string>();
  private listMode: ListMode = 'moments';
  /** The list rows in index order (for the past/current highlight). */
  private rows: { index: number; el: HTMLElement }[] = [];
  private markA: number | undefined;
  private markB: number | undefined;
  private diff: { destroy(): void; a: number; b: number; mode: 'split' | 'unified'; added: number; removed: number; chunks: number } | null = null;
  private diffMode: 'split' | 'unified' = 'split';
  private diffToken = 0;
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
    track: HTMLElement;
    abLabel: HTMLElement;
    compareBtn: HTMLButtonElement;
    editorHost: HTMLElement;
    diffPanel: HTMLElement;
    diffHost: HTMLElement;
    diffTitle: HTMLElement;
    filterNote: HTMLElement;
    playNote: HTMLElement;
  };

  constructor(
    private root: HTMLElement,
    private sessionId: string,
    private key: string,
    private f: Folded,
  ) {
    if (this.settings.pasteThreshold !== DEFAULT_PASTE_THRESHOLD) this.f.markers = buildMarkers(f, this.settings.pasteThreshold);
  }

  private get n() {
    return this.f.events.length;
  }

  mount() {
    clear(this.root);
    const range = h('input', { type: 'range', class: 'timeline-range', id: 'timeline', min: 0, max: this.n - 1, step: 1, value: this.n - 1, 'aria-label': 'Timeline' }) as HTMLInputElement;
    range.addEventListener('input', () => {
      this.pause();
      this.show(this.nearestVisible(Number(range.value)));
    });
    const playBtn = h('button', { class: 'btn btn-primary', id: 'play-button', title: 'Play / pause (space)' }, '▶ Play') as HTMLButtonElement;
    playBtn.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    const speedSel = h('select', { class: 'select', id: 'speed', 'aria-label': 'Speed' }) as HTMLSelectElement;
    for (const s of [1, 2, 4, 8, 16, 32]) speedSel.appendChild(h('option', { value: s }, `${s}×`));
    speedSel.addEventListener('change', () => (this.speed = Number(speedSel.value)));
    const forkBtn = h('button', { class: 'btn', id: 'fork-button', title: 'Start a new interview from the document at this moment' }, 'Fork from here') as HTMLButtonElement;
    forkBtn.addEventListener('click', () => this.fork(forkBtn));
    const stepBack = h('button', { class: 'btn btn-small', title: 'Previous event (←)', id: 'step-back' }, '◀');
    stepBack.addEventListener('click', () => {
      this.pause();
      this.step(-1);
    });
    const stepFwd = h('button', { class: 'btn btn-small', title: 'Next event (→)', id: 'step-forward' }, '▶');
    stepFwd.addEventListener('click', () => {
      this.pause();
      this.step(1);
    });

    // Diff: moment A and moment B.
    const setA = h('button', { class: 'btn btn-small', id: 'set-a', title: 'Mark this moment as A (or shift-click a marker)' }, 'Set A');
    setA.addEventListener('click', () => this.setMark('a', this.pos));
    const setB = h('button', { class: 'btn btn-small', id: 'set-b', title: 'Mark this moment as B (or shift-click a marker)' }, 'Set B');
    setB.addEventListener('click', () => this.setMark('b', this.pos));
    const compareBtn = h('button', { class: 'btn btn-small', id: 'compare-button', title: 'Show what changed in the document from A to B (D)', disabled: true }, 'Compare A → B') as HTMLButtonElement;
    compareBtn.addEventListener('click', () => (this.diff ? this.closeDiff() : void this.openDiff()));
    const abLabel = h('span', { class: 'muted small mono', id: 'ab-label' });

    // Settings: idle-gap compression and the large-paste threshold.
    const idleInput = h('input', { type: 'number', class: 'input input-num', id: 'idle-gap', min: 0, max: 3600, step: 0.5, value: this.settings.idleGapMs / 1000, 'aria-label': 'Compress idle gaps longer than (seconds, 0 = never)' }) as HTMLInputElement;
    idleInput.addEventListener('change', () => {
      const v = Number(idleInput.value);
      if (!Number.isFinite(v) || v < 0) {
        idleInput.value = String(this.settings.idleGapMs / 1000);
        return;
      }
      this.settings.idleGapMs = Math.round(v * 1000);
      saveSettings(this.settings);
      this.updatePlayNote();
    });
    const pasteInput = h('input', { type: 'number', class: 'input input-num', id: 'paste-threshold', min: 1, max: 1000000, step: 1, value: this.settings.pasteThreshold, 'aria-label': 'Flag insertions longer than (characters)' }) as HTMLInputElement;
    pasteInput.addEventListener('change', () => {
      const v = Math.floor(Number(pasteInput.value));
      if (!Number.isFinite(v) || v < 1) {
        pasteInput.value = String(this.settings.pasteThreshold);
        return;
      }
      this.settings.pasteThreshold = v;
      saveSettings(this.settings);
      this.f.markers = buildMarkers(this.f, v);
      this.renderMarkers();
      this.show(this.pos);
    });
    const playNote = h('span', { class: 'muted small', id: 'play-note' });

    // Participant filter.
    const filterBox = h('div', { class: 'pfilter', id: 'participant-filter' });
    for (const p of this.f.names.values()) {
      const cb = h('input', { type: 'checkbox', checked: true, 'data-pid': p.participantId, id: `filter-${p.participantId}` }) as HTMLInputElement;
      cb.addEventListener('change', () => {
        if (cb.checked) this.hidden.delete(p.participantId);
        else this.hidden.add(p.participantId);
        this.applyFilter();
      });
      filterBox.appendChild(h('label', { class: 'pfilter-item', title: `Show ${p.name}'s events` }, cb, h('span', { class: 'avatar avatar-small', style: `background:${p.color}` }, initials(p.name)), h('span', {}, p.name), h('span', { class: `role role-${p.role}` }, p.role)));
    }
    if (!this.f.names.size) filterBox.appendChild(h('span', { class: 'muted small' }, 'Nobody joined.'));
    const filterNote = h('div', { class: 'muted small', id: 'filter-note' });

    const track = h('div', { class: 'marker-track', id: 'markers' });

    const clock = h('span', { class: 'clock mono', id: 'clock' });
    const seqLabel = h('span', { class: 'muted mono', id: 'seq-label' });
    const eventLabel = h('span', { class: 'event-label', id: 'event-label' });
    const langLabel = h('span', { class: 'badge', id: 'replay-language' });

    const editorHost = h('div', { class: 'editor-host', id: 'replay-editor' });
    const diffTitle = h('div', { class: 'diff-title', id: 'diff-title' });
    const diffHost = h('div', { class: 'diff-host', id: 'diff-view' });
    const modeSel = h('select', { class: 'select', id: 'diff-mode', 'aria-label': 'Diff layout' }, h('option', { value: 'split' }, 'Side by side'), h('option', { value: 'unified' }, 'Unified')) as HTMLSelectElement;
    modeSel.addEventListener('change', () => {
      this.diffMode = modeSel.value as 'split' | 'unified';
      if (this.diff) void this.openDiff();
    });
    const closeDiffBtn = h('button', { class: 'btn btn-small btn-primary', id: 'diff-close', title: 'Back to the replay (Esc)' }, '✕ Back to replay');
    closeDiffBtn.addEventListener('click', () => this.closeDiff());
    const diffPanel = h('div', { class: 'diff-panel', id: 'diff-panel', hidden: true }, h('div', { class: 'diff-bar' }, diffTitle, h('div', { class: 'spacer' }), modeSel, closeDiffBtn), diffHost);

    const people = h('ul', { class: 'people', id: 'replay-participants' });
    const output = h('div', { class: 'output', id: 'replay-output' });
    const notes = h('ul', { class: 'notes', id: 'replay-notes' });
    const markerList = h('ul', { class: 'marker-list', id: 'marker-list' });
    const listSel = h('select', { class: 'select select-small', id: 'list-mode', 'aria-label': 'List' }, h('option', { value: 'moments' }, 'Moments'), h('option', { value: 'events' }, 'All events')) as HTMLSelectElement;
    listSel.addEventListener('change', () => {
      this.listMode = listSel.value as ListMode;
      this.renderList();
      this.updateRows(this.pos);
    });

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
      h(
        'div',
        { class: 'timeline-row timeline-tools' },
        h('span', { class: 'tool-group' }, setA, setB, compareBtn, abLabel),
        h('div', { class: 'spacer' }),
        h('label', { class: 'setting' }, 'Compress idle gaps over', idleInput, 's'),
        h('label', { class: 'setting' }, 'Flag pastes over', pasteInput, 'chars'),
        playNote,
      ),
      h('div', { class: 'legend muted small' }, ...(['join', 'leave', 'language', 'run', 'paste', 'blur', 'note'] as MarkerKind[]).map((k) => h('span', {}, h('span', { class: `dot marker-${k}` }), { join: 'join', leave: 'leave', language: 'language', run: 'run', paste: 'large paste', blur: 'focus lost/regained', note: 'note' }[k as string] ?? k)), h('span', {}, h('span', { class: 'flag-dot' }, 'A'), h('span', { class: 'flag-dot' }, 'B'), 'compared moments')),
    );
    const main = h(
      'main',
      { class: 'room' },
      h(
        'div',
        { class: 'room-main' },
        this.f.error ? h('div', { class: 'banner' }, this.f.error) : null,
        editorHost,
        diffPanel,
        h('section', { class: 'run-panel replay-run' }, h('div', { class: 'panel-label' }, 'Run output'), output),
      ),
      h(
        'aside',
        { class: 'room-side' },
        h('section', { class: 'card' }, h('h2', {}, 'In the room'), people),
        h('section', { class: 'card' }, h('h2', {}, 'Show participants'), filterBox, filterNote),
        h('section', { class: 'card grow' }, h('h2', {}, listSel), markerList),
        h('section', { class: 'card' }, h('h2', {}, 'Notes ', h('span', { class: 'lock' }, 'interviewers only')), notes),
      ),
    );
    this.root.appendChild(h('div', { class: 'room-page replay-page' }, header, controls, main));
    this.els = { range, playBtn, clock, seqLabel, eventLabel, people, output, notes, markerList, langLabel, track, abLabel, compareBtn, editorHost, diffPanel, diffHost, diffTitle, filterNote, playNote };

    this.view = new EditorView({ state: EditorState.create({ doc: '', extensions: [...readOnlyExtensions(), insertedExt] }), parent: editorHost });
    this.renderMarkers();
    this.updateAB();
    this.updatePlayNote();

    document.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
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
        this.playing ? this.pause() : this.play();
      } else if (e.key === 'a' || e.key === 'b') {
        this.setMark(e.key, this.pos);
      } else if (e.key === 'd' && this.markA !== undefined && this.markB !== undefined) {
        this.diff ? this.closeDiff() : void this.openDiff();
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
    const self = this;
    (window as any).__replay = {
      show: (i: number) => this.show(i),
      get pos() {
        return self.pos;
      },
      get doc() {
        return self.view.state.doc.toString();
      },
      count: this.n,
      get playing() {
        return self.playing;
      },
      get diff() {
        const d = self.diff;
        return d && { a: self.f.events[d.a].seq, b: self.f.events[d.b].seq, mode: d.mode, added: d.added, removed: d.removed, chunks: d.chunks };
      },
      get marks() {
        return { a: self.markA === undefined ? null : self.f.events[self.markA].seq, b: self.markB === undefined ? null : self.f.events[self.markB].seq };
      },
      get settings() {
        return { ...self.settings };
      },
      /** Wall time a full play from the start would take at the current speed and settings (ms). */
      playTimeMs: () => this.playTimeMs(),
      get seq() {
        return self.f.events[self.pos].seq;
      },
    };
  }

  // ------------------------------------------------------------ markers, list, filter

  private isVisible(i: number): boolean {
    if (!this.hidden.size) return true;
    const pid = actorOf(this.f.events[i]);
    return !pid || !this.hidden.has(pid);
  }

  private renderMarkers() {
    const track = this.els.track;
    clear(track);
    for (const m of this.f.markers) {
      const left = this.n > 1 ? (m.index / (this.n - 1)) * 100 : 0;
      const b = h('button', { class: `marker marker-${m.kind}`, style: `left:${left}%`, title: `${m.label} (shift-click: compare)`, 'data-index': m.index, 'aria-label': m.label, hidden: !this.isVisible(m.index) });
      b.addEventListener('click', (e) => this.activate(m.index, e as MouseEvent, m));
      track.appendChild(b);
    }
    for (const which of ['a', 'b'] as const) {
      const idx = which === 'a' ? this.markA : this.markB;
      if (idx === undefined) continue;
      const left = this.n > 1 ? (idx / (this.n - 1)) * 100 : 0;
      const flag = h('button', { class: `ab-flag ab-${which}`, id: `flag-${which}`, style: `left:${left}%`, title: `Moment ${which.toUpperCase()}: event ${this.f.events[idx].seq} (click to go there)` }, which.toUpperCase());
      flag.addEventListener('click', () => {
        this.pause();
        this.show(idx);
      });
      track.appendChild(flag);
    }
    this.renderList();
  }

  private renderList() {
    const list = this.els.markerList;
    clear(list);
    this.rows = [];
    const add = (index: number, kind: string, label: string, m?: Marker) => {
      const pid = actorOf(this.f.events[index]);
      const li = h('li', { class: `ml ml-${kind}`, 'data-index': index, 'data-pid': pid ?? '', hidden: !this.isVisible(index), title: 'Click: go there · shift-click: set A / B' }, h('span', { class: `dot marker-${kind}` }), h('span', { class: 'ml-time mono' }, this.elapsed(index)), h('span', { class: 'ml-label' }, label));
      li.addEventListener('click', (e) => this.activate(index, e, m));
      list.appendChild(li);
      this.rows.push({ index, el: li });
    };
    if (this.listMode === 'moments') for (const m of this.f.markers) add(m.index, m.kind, m.label, m);
    else for (let i = 0; i < this.n; i++) add(i, `ev-${this.f.events[i].type}`, `#${this.f.events[i].seq} ${describe(this.f.events[i], this.f)}`);
    this.lastRowPos = -1;
  }

  private lastRowPos = -1;
  /** Mark rows up to position i as past and the row at i (or the last before it) as current. */
  private updateRows(i: number) {
    const prev = this.lastRowPos;
    // Rows are in index order: only those between the previous and the new position change.
    const lo = prev < 0 ? -1 : Math.min(prev, i);
    const hi = prev < 0 ? Infinity : Math.max(prev, i);
    let k = 0;
    for (let a = 0, b = this.rows.length; a < b; ) {
      const m = (a + b) >> 1;
      if (this.rows[m].index < lo) a = k = m + 1;
      else b = m;
    }
    for (; k < this.rows.length && this.rows[k].index <= hi; k++) {
      const r = this.rows[k];
      r.el.classList.toggle('past', r.index <= i);
      r.el.classList.toggle('current', r.index === i);
    }
    if (prev !== i) {
      const cur = this.rows.find((r) => r.index === i);
      if (cur && this.listMode === 'events') cur.el.scrollIntoView({ block: 'nearest' });
    }
    this.lastRowPos = i;
  }

  private applyFilter() {
    for (const el of this.els.track.querySelectorAll<HTMLElement>('.marker')) el.hidden = !this.isVisible(Number(el.dataset.index));
    for (const r of this.rows) r.el.hidden = !this.isVisible(r.index);
    const shown = [...this.f.names.values()].filter((p) => !this.hidden.has(p.participantId)).map((p) => p.name);
    this.els.filterNote.textContent = this.hidden.size
      ? shown.length
        ? `Showing ${shown.join(', ')} only: play and step skip to their events; the document always shows the true state.`
        : 'Every participant is hidden.'
      : '';
    this.updatePlayNote();
    this.show(this.pos);  // the notes panel follows the filter
  }

  /** Click on a marker / list row: go there; with shift, set moment A (then B). */
  private activate(index: number, e: MouseEvent, m?: Marker) {
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

  // ------------------------------------------------------------ A/B diff

  private setMark(which: 'a' | 'b', index: number) {
    if (which === 'a') this.markA = index;
    else this.markB = index;
    this.updateAB();
    this.renderMarkers();
    this.updateRows(this.pos);
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

  private async openDiff() {
    const a = this.markA;
    const b = this.markB;
    if (a === undefined || b === undefined) return;
    this.pause();
    const token = ++this.diffToken;
    let merge: typeof import('@codemirror/merge');
    try {
      merge = await import('@codemirror/merge');
    } catch (e) {
      toast(`Could not load the diff view: ${e instanceof Error ? e.message : e}`, 'error');
      return;
    }
    if (token !== this.diffToken) return;
    this.diff?.destroy();
    this.diff = null;
    clear(this.els.diffHost);
    const fa = this.f.frames[a];
    const fb = this.f.frames[b];
    const collapse = { margin: 3, minSize: 8 };
    let chunks: readonly { fromA: number; toA: number; fromB: number; toB: number; endA: number; endB: number }[] = [];
    let destroy: () => void;
    if (this.diffMode === 'split') {
      const mv = new merge.MergeView({
        a: { doc: fa.doc, extensions: [...readOnlyExtensions()] },
        b: { doc: fb.doc, extensions: [...readOnlyExtensions()] },
        parent: this.els.diffHost,
        highlightChanges: true,
        gutter: true,
        collapseUnchanged: collapse,
      });
      void setLanguage(mv.a, fa.language);
      void setLanguage(mv.b, fb.language);
      chunks = mv.chunks;
      destroy = () => mv.destroy();
    } else {
      const view = new EditorView({
        state: EditorState.create({ doc: fb.doc, extensions: [...readOnlyExtensions(), merge.unifiedMergeView({ original: fa.doc, mergeControls: false, highlightChanges: true, gutter: true, collapseUnchanged: collapse })] }),
        parent: this.els.diffHost,
      });
      void setLanguage(view, fb.language);
      chunks = merge.getChunks(view.state)?.chunks ?? [];
      destroy = () => view.destroy();
    }
    // Line counts: a chunk covers whole lines; lines of A in it were removed, lines of B added.
    let added = 0;
    let removed = 0;
    const lines = (doc: Text, from: number, to: number) => (to > from ? doc.lineAt(Math.max(from, to - 1)).number - doc.lineAt(from).number + 1 : 0);
    for (const c of chunks) {
      removed += lines(fa.doc, c.fromA, Math.min(c.toA, fa.doc.length + 1));
      added += lines(fb.doc, c.fromB, Math.min(c.toB, fb.doc.length + 1));
    }
    this.diff = { destroy, a, b, mode: this.diffMode, added, removed, chunks: chunks.length };
    clear(this.els.diffTitle);
    this.els.diffTitle.append(
      h('span', { class: 'ab-chip ab-a' }, 'A'),
      ` ${this.momentLabel(a)} `,
      h('span', { class: 'muted' }, '→'),
      ' ',
      h('span', { class: 'ab-chip ab-b' }, 'B'),
      ` ${this.momentLabel(b)} `,
      chunks.length ? h('span', { class: 'diff-stats' }, h('span', { class: 'diff-added', id: 'diff-added' }, `+${added}`), ' ', h('span', { class: 'diff-removed', id: 'diff-removed' }, `−${removed}`), ` lines in ${chunks.length} change${chunks.length === 1 ? '' : 's'}`) : h('span', { class: 'muted', id: 'diff-same' }, 'The documents are identical.'),
    );
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

  private elapsed(i: number): string {
    const ms = Math.max(0, this.f.events[i].ts - this.f.events[0].ts);
    const s = Math.floor(ms / 1000);
    const mm = Math.floor(s / 60);
    const hh = Math.floor(mm / 60);
    const pad = (x: number) => String(x).padStart(2, '0');
    return hh ? `${hh}:${pad(mm % 60)}:${pad(s % 60)}` : `${pad(mm)}:${pad(s % 60)}`;
  }

  /** The next visible event after (d = 1) or before (d = -1) position i, or -1. */
  private nextVisible(i: number, d: 1 | -1): number {
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

  private step(d: number) {
    const k = this.nextVisible(this.pos, d < 0 ? -1 : 1);
    if (k >= 0) this.show(k);
  }

  show(i: number) {
    i = Math.max(0, Math.min(this.n - 1, i));
    if (this.diff) this.closeDiff();
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
    const byNow = this.f.notes.filter((n) => n.index <= i);
    const notes = byNow.filter((n) => this.isVisible(n.index));
    for (const n of notes) this.els.notes.appendChild(h('li', { class: 'note' }, h('div', { class: 'note-meta' }, `${n.by} · ${this.elapsed(n.index)}`), h('div', { class: 'note-text' }, n.text)));
    const hiddenNotes = byNow.length - notes.length;
    if (hiddenNotes) this.els.notes.appendChild(h('li', { class: 'muted small', id: 'notes-hidden' }, `${hiddenNotes} note${hiddenNotes > 1 ? 's' : ''} hidden by the participant filter.`));
    else if (!notes.length) this.els.notes.appendChild(h('li', { class: 'muted small' }, 'No notes by this moment.'));

    this.updateRows(i);

    window.clearTimeout(this.hashTimer);
    this.hashTimer = window.setTimeout(() => {
      // Keep the fragment a deep link to this moment, unless someone just navigated to another one.
      if (location.hash !== this.lastHash) return;
      history.replaceState(null, '', `${location.pathname}#key=${encodeURIComponent(this.key)}&seq=${ev.seq}`);
      this.lastHash = location.hash;
    }, 150);
  }

  private runIndexCache = new Map<string, number>();
  private runIndex(runId: string): number {
    const c = this.runIndexCache.get(runId);
    if (c !== undefined) return c;
    let found = Infinity;
    for (let i = 0; i < this.n; i++) {
      const e = data(this.f.events[i]);
      if (e.type === 'run_finished' && String(e.runId) === runId) {
        found = i;
        break;
      }
    }
    this.runIndexCache.set(runId, found);
    return found;
  }

  // ------------------------------------------------------------ playback

  /** Real time between two positions as played: idle gaps over the threshold are compressed. */
  private playGap(from: number, to: number): number {
    const gap = Math.max(0, this.f.events[to].ts - this.f.events[from].ts);
    const t = this.settings.idleGapMs;
    if (t > 0 && gap > t) return Math.min(t, IDLE_PLAY);
    return gap;
  }

  private playTimeMs(): number {
    let total = 0;
    let k = this.nextVisible(-1, 1);
    while (k >= 0) {
      const next = this.nextVisible(k, 1);
      if (next < 0) break;
      total += this.playGap(k, next);
      k = next;
    }
    return total / this.speed;
  }

  private updatePlayNote() {
    const raw = this.n > 1 ? this.f.events[this.n - 1].ts - this.f.events[0].ts : 0;
    const played = this.playTimeMs() * this.speed;
    this.els.playNote.textContent = played < raw - 500 ? `plays in ${formatDuration(played)} at 1× (of ${formatDuration(raw)})` : '';
  }

  private play() {
    const last = this.nextVisible(this.n, -1);
    if (last < 0) {
      toast('No events of the selected participants to play.', 'info');
      return;
    }
    if (this.pos >= last) this.show(Math.max(0, this.nextVisible(-1, 1)));
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
    const next = this.nextVisible(this.pos, 1);
    if (next < 0) {
      this.pause();
      return;
    }
    const delay = this.playGap(this.pos, next) / this.speed;
    this.playTimer = window.setTimeout(() => {
      this.show(next);
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
