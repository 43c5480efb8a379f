// The replay page's structure: header, timeline controls and settings, editor / comparison, run
// output, the terminal (sessions that used it), and the side cards (people present, participant filter, moments list, notes).
import { h, clear, initials } from '../dom';
import type { PInfo } from './fold';
import { MARKER_LEGEND } from './markers';
import type { DiffMode } from './diff';
import type { ReplaySettings } from './settings';

export type ListMode = 'moments' | 'events';

export interface ReplayEls {
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
  /** The terminal's section (replay/terminal.ts fills it; hidden unless the session used it). */
  terminal: HTMLElement;
}

export interface ReplayActions {
  scrub(i: number): void;
  playPause(): void;
  setSpeed(x: number): void;
  fork(btn: HTMLButtonElement): void;
  step(d: 1 | -1): void;
  setMark(which: 'a' | 'b'): void;
  compare(): void;
  closeDiff(): void;
  setDiffMode(m: DiffMode): void;
  /** Seconds; false when refused (the input is reset). */
  setIdleGap(seconds: number): boolean;
  setPasteThreshold(chars: number): boolean;
  showParticipant(pid: string, shown: boolean): void;
  setListMode(m: ListMode): void;
}

export interface ReplayHeader {
  sessionId: string;
  key: string;
  title: string;
  error?: string;
}

export function buildReplayLayout(root: HTMLElement, hd: ReplayHeader, n: number, names: Iterable<PInfo>, settings: ReplaySettings, act: ReplayActions): ReplayEls {
  clear(root);
  const range = h('input', { type: 'range', class: 'timeline-range', id: 'timeline', min: 0, max: n - 1, step: 1, value: n - 1, 'aria-label': 'Timeline' });
  range.addEventListener('input', () => act.scrub(Number(range.value)));
  const playBtn = h('button', { class: 'btn btn-primary', id: 'play-button', title: 'Play / pause (space)' }, '▶ Play');
  playBtn.addEventListener('click', () => act.playPause());
  const speedSel = h('select', { class: 'select', id: 'speed', 'aria-label': 'Speed' });
  for (const s of [1, 2, 4, 8, 16, 32]) speedSel.appendChild(h('option', { value: s }, `${s}×`));
  speedSel.addEventListener('change', () => act.setSpeed(Number(speedSel.value)));
  const forkBtn = h('button', { class: 'btn', id: 'fork-button', title: 'Start a new interview from the document at this moment' }, 'Fork from here');
  forkBtn.addEventListener('click', () => act.fork(forkBtn));
  const stepBack = h('button', { class: 'btn btn-small', title: 'Previous event (←)', id: 'step-back' }, '◀');
  stepBack.addEventListener('click', () => act.step(-1));
  const stepFwd = h('button', { class: 'btn btn-small', title: 'Next event (→)', id: 'step-forward' }, '▶');
  stepFwd.addEventListener('click', () => act.step(1));

  // Diff: moment A and moment B.
  const setA = h('button', { class: 'btn btn-small', id: 'set-a', title: 'Mark this moment as A (or shift-click a marker)' }, 'Set A');
  setA.addEventListener('click', () => act.setMark('a'));
  const setB = h('button', { class: 'btn btn-small', id: 'set-b', title: 'Mark this moment as B (or shift-click a marker)' }, 'Set B');
  setB.addEventListener('click', () => act.setMark('b'));
  const compareBtn = h('button', { class: 'btn btn-small', id: 'compare-button', title: 'Show what changed in the document from A to B (D)', disabled: true }, 'Compare A → B');
  compareBtn.addEventListener('click', () => act.compare());
  const abLabel = h('span', { class: 'muted small mono', id: 'ab-label' });

  // Settings: idle-gap compression and the large-paste threshold.
  const idleInput = h('input', { type: 'number', class: 'input input-num', id: 'idle-gap', min: 0, max: 3600, step: 0.5, value: settings.idleGapMs / 1000, 'aria-label': 'Compress idle gaps longer than (seconds, 0 = never)' });
  idleInput.addEventListener('change', () => {
    if (!act.setIdleGap(Number(idleInput.value))) idleInput.value = String(settings.idleGapMs / 1000);
  });
  const pasteInput = h('input', { type: 'number', class: 'input input-num', id: 'paste-threshold', min: 1, max: 1000000, step: 1, value: settings.pasteThreshold, 'aria-label': 'Flag insertions longer than (characters)' });
  pasteInput.addEventListener('change', () => {
    if (!act.setPasteThreshold(Math.floor(Number(pasteInput.value)))) pasteInput.value = String(settings.pasteThreshold);
  });
  const playNote = h('span', { class: 'muted small', id: 'play-note' });

  // Participant filter.
  const filterBox = h('div', { class: 'pfilter', id: 'participant-filter' });
  let anyone = false;
  for (const p of names) {
    anyone = true;
    const cb = h('input', { type: 'checkbox', checked: true, 'data-pid': p.participantId, id: `filter-${p.participantId}` });
    cb.addEventListener('change', () => act.showParticipant(p.participantId, cb.checked));
    filterBox.appendChild(
      h(
        'label',
        { class: 'pfilter-item', title: `Show ${p.name}'s events` },
        cb,
        h('span', { class: 'avatar avatar-small', style: `background:${p.color}` }, initials(p.name)),
        h('span', {}, p.name),
        h('span', { class: `role role-${p.role}` }, p.role),
      ),
    );
  }
  if (!anyone) filterBox.appendChild(h('span', { class: 'muted small' }, 'Nobody joined.'));
  const filterNote = h('div', { class: 'muted small', id: 'filter-note' });

  const track = h('div', { class: 'marker-track', id: 'markers' });
  const clock = h('span', { class: 'clock mono', id: 'clock' });
  const seqLabel = h('span', { class: 'muted mono', id: 'seq-label' });
  const eventLabel = h('span', { class: 'event-label', id: 'event-label' });
  const langLabel = h('span', { class: 'badge', id: 'replay-language' });

  const editorHost = h('div', { class: 'editor-host', id: 'replay-editor' });
  const diffTitle = h('div', { class: 'diff-title', id: 'diff-title' });
  const diffHost = h('div', { class: 'diff-host', id: 'diff-view' });
  const modeSel = h('select', { class: 'select', id: 'diff-mode', 'aria-label': 'Diff layout' }, h('option', { value: 'split' }, 'Side by side'), h('option', { value: 'unified' }, 'Unified'));
  modeSel.addEventListener('change', () => act.setDiffMode(modeSel.value === 'unified' ? 'unified' : 'split'));
  const closeDiffBtn = h('button', { class: 'btn btn-small btn-primary', id: 'diff-close', title: 'Back to the replay (Esc)' }, '✕ Back to replay');
  closeDiffBtn.addEventListener('click', () => act.closeDiff());
  const diffPanel = h('div', { class: 'diff-panel', id: 'diff-panel', hidden: true }, h('div', { class: 'diff-bar' }, diffTitle, h('div', { class: 'spacer' }), modeSel, closeDiffBtn), diffHost);

  const people = h('ul', { class: 'people', id: 'replay-participants' });
  const output = h('div', { class: 'output', id: 'replay-output' });
  const terminal = h('section', { class: 'replay-terminal', id: 'replay-terminal', hidden: true });
  const notes = h('ul', { class: 'notes', id: 'replay-notes' });
  const markerList = h('ul', { class: 'marker-list', id: 'marker-list' });
  const listSel = h('select', { class: 'select select-small', id: 'list-mode', 'aria-label': 'List' }, h('option', { value: 'moments' }, 'Moments'), h('option', { value: 'events' }, 'All events'));
  listSel.addEventListener('change', () => act.setListMode(listSel.value === 'events' ? 'events' : 'moments'));

  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark' }, '</>'), 'Interview Rooms'),
    hd.title ? h('span', { class: 'session-title', id: 'replay-title', title: hd.title }, hd.title) : null,
    h('span', { class: 'badge badge-role' }, 'Replay'),
    langLabel,
    h('div', { class: 'spacer' }),
    // Opened by a signed-in account without the key: the room and a fork need the key.
    hd.key ? h('a', { class: 'btn btn-small', href: `/room/${hd.sessionId}#key=${encodeURIComponent(hd.key)}` }, 'Open live room') : null,
    hd.key ? forkBtn : null,
  );
  const legend = h(
    'div',
    { class: 'legend muted small' },
    MARKER_LEGEND.map(([k, label]) => h('span', {}, h('span', { class: `dot marker-${k}` }), label)),
    h('span', {}, h('span', { class: 'flag-dot' }, 'A'), h('span', { class: 'flag-dot' }, 'B'), 'compared moments'),
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
    legend,
  );
  const main = h(
    'main',
    { class: 'room' },
    h(
      'div',
      { class: 'room-main' },
      hd.error ? h('div', { class: 'banner' }, hd.error) : null,
      editorHost,
      diffPanel,
      h('section', { class: 'run-panel replay-run' }, h('div', { class: 'panel-label' }, 'Run output'), output),
      terminal,
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
  root.appendChild(h('div', { class: 'room-page replay-page' }, header, controls, main));
  return { range, playBtn, clock, seqLabel, eventLabel, people, output, notes, markerList, langLabel, track, abLabel, compareBtn, editorHost, diffPanel, diffHost, diffTitle, filterNote, playNote, terminal };
}
