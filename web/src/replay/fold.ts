// The replay's fold: events 1..n to the room state after event n, exactly like the server's
// `apply` (actors/room_state.cpp), plus what the page shows on top (inserted ranges, mapped
// cursors, runs, notes, the terminal). Pure: no DOM, so tests/e2e/browser/replay-fold.test.mjs runs this very
// module in node against GET /state?seq=n.
import { ChangeSet, Text } from '@codemirror/state';
import type { CallMedia, Controls, Cursor, EditOrigin, LastRun, LogEvent, ParticipantRecord, PasteFrom, Phase, RunningRun, StateAt, TerminalView, TestRun, TestsRunning } from '../protocol';
import { finishedFields, type RunView } from '../run-result';

export type PInfo = ParticipantRecord;

export interface Frame {
  doc: Text;
  version: number;
  language: string;
  /** Participants in the room (joined and not left), by id. */
  present: Map<string, PInfo>;
  /** Cursors as last logged (version, anchor, head), like `/state`'s `cursors`. */
  logged: Map<string, Cursor>;
  /** The same cursors mapped through later changes to this frame's document (what the page draws). */
  cursors: Map<string, { anchor: number; head: number }>;
  /** The last finished run, like `/state`'s `lastRun`. */
  lastRun: LastRun | null;
  /** The run shown at this moment: the one running, else the last finished. */
  lastRunId?: string;
  /** Who is in the call and with which media, like `/state`'s `calls`. */
  calls: Map<string, CallMedia>;
  /** The loaded question as logged (whole), like `/state`'s `question`. */
  question: StateAt['question'];
  /** The last finished test run, like `/state`'s `lastTestRun`. */
  lastTestRun: TestRun | null;
  /** The test run in progress, like `/state`'s `testsRunning`. */
  testsRunning: TestsRunning | null;
  /** The latest interactive run, like `/state`'s `terminal` (a new object only when it changes). */
  terminal: TerminalView | null;
  /** Ranges inserted by this event (code_changed only), in the frame's document. */
  inserted?: [number, number][];
  /** The longest single insertion of this event (code_changed only), in UTF-16 units. */
  bigInsert?: number;
  /** The interview's phase and controls, like `/state`'s `phase` and `controls`. */
  phase: Phase;
  controls: Controls;
  /** A code_changed that the client tagged as a paste or drop: where from, how much, what. */
  paste?: { origin: EditOrigin; from?: PasteFrom; size: number; text: string };
}

/** A scorecard comment pinned to a moment: shown at the event with that seq. */
export interface PinnedComment {
  /** The index of the event the comment is pinned to (its seq - 1). */
  index: number;
  text: string;
  by: string;
}

export interface Note {
  index: number;
  text: string;
  by: string;
  ts: number;
}

export interface Folded {
  events: LogEvent[];
  frames: Frame[];
  runs: Map<string, RunView>;
  notes: Note[];
  /** The latest save of every interviewer's scorecard comments that are pinned to a moment. */
  pinned: PinnedComment[];
  /** Everyone who ever joined, by id. */
  names: Map<string, PInfo>;
  /** Why the fold stopped (a change that does not fit the document); later frames repeat the last good one. */
  error?: string;
  /** The index of the event the fold stopped at (with `error`). */
  stoppedAt?: number;
}

/** The participant an event is about (who acted, or who joined). */
export function actorOf(e: LogEvent): string | undefined {
  return e.participantId ?? (e.type === 'participant_joined' ? e.participant?.participantId : undefined);
}

export function nameIn(names: Map<string, PInfo>, pid: string | undefined): string {
  return (pid && names.get(pid)?.name) || 'someone';
}

/**
 * The terminal after event e, as actors/domain/terminal.cpp folds it: an interactive run_started is
 * a new terminal (80x24 unless logged), its output appends, a resize sets the size, its
 * run_finished ends it. Events of another run change nothing (roomd never logs them); keystrokes
 * change nothing either: the program's echo is in its output. Unchanged: the same object.
 */
export function foldTerminal(t: TerminalView | null, e: LogEvent): TerminalView | null {
  switch (e.type) {
    case 'run_started':
      if (e.interactive !== true) return t;
      return { runId: String(e.runId ?? ''), participantId: e.participantId ?? '', language: e.language ?? '', repl: e.repl === true, cols: e.cols ?? 80, rows: e.rows ?? 24, data: '', active: true };
    case 'run_finished':
      return t && t.runId === e.runId ? { ...t, active: false } : t;
    case 'terminal_output':
      return t && t.active && t.runId === e.runId ? { ...t, data: t.data + String(e.data ?? '') } : t;
    case 'terminal_resized':
      return t && t.active && t.runId === e.runId ? { ...t, cols: e.cols, rows: e.rows } : t;
    default:
      return t;
  }
}

/** Fold events 1..n exactly like the server's fold: code_changed applied in order. */
export function foldEvents(events: LogEvent[]): Folded {
  const frames: Frame[] = [];
  const runs = new Map<string, RunView>();
  const notes: Note[] = [];
  const names = new Map<string, PInfo>();
  const changesByVersion: ChangeSet[] = []; // index v-1 -> changes producing version v
  let doc = Text.empty;
  let version = 0;
  let language = 'plaintext';
  let present = new Map<string, PInfo>();
  let logged = new Map<string, Cursor>();
  let calls = new Map<string, CallMedia>();
  let cursors = new Map<string, { anchor: number; head: number }>();
  let running: RunningRun | null = null;
  let lastRun: LastRun | null = null;
  let lastRunId: string | undefined;
  let question: StateAt['question'] = null;
  let lastTestRun: TestRun | null = null;
  let testsRunning: TestsRunning | null = null;
  let terminal: TerminalView | null = null;
  let error: string | undefined;
  let stoppedAt: number | undefined;
  let phase: Phase = 'live';
  let controls: Controls = { editorLocked: false, runDisabled: false };
  const pinnedBy = new Map<string, PinnedComment[]>();

  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    let inserted: [number, number][] | undefined;
    let bigInsert: number | undefined;
    let paste: Frame['paste'];
    if (!error) {
      switch (e.type) {
        case 'session_created':
          if (typeof e.language === 'string') language = e.language;
          if (e.phase === 'lobby') phase = 'lobby';
          break;
        case 'participant_joined': {
          const p = e.participant;
          const info: PInfo = { participantId: p?.participantId ?? e.participantId ?? '', name: p?.name ?? '', role: p?.role ?? 'candidate', color: p?.color ?? '#8892b0' };
          names.set(info.participantId, info);
          present = new Map(present).set(info.participantId, info);
          break;
        }
        case 'participant_left': {
          const pid = e.participantId ?? '';
          present = new Map(present);
          present.delete(pid);
          if (logged.has(pid)) {
            logged = new Map(logged);
            logged.delete(pid);
            cursors = new Map(cursors);
            cursors.delete(pid);
          }
          if (calls.has(pid)) {
            calls = new Map(calls);
            calls.delete(pid);
          }
          break;
        }
        case 'code_changed': {
          let cs: ChangeSet;
          try {
            cs = ChangeSet.fromJSON(e.changes);
            if (cs.length !== doc.length) throw new Error(`change of length ${cs.length} for a document of length ${doc.length}`);
          } catch (err) {
            stoppedAt = i;
            error = `Event ${e.seq}: cannot apply code_changed (${err instanceof Error ? err.message : String(err)})`;
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
          const ins: [number, number][] = [];
          let big = 0;
          let text = '';
          cs.iterChanges((_fa, _ta, fb, tb, added) => {
            if (tb > fb) ins.push([fb, tb]);
            big = Math.max(big, tb - fb);
            text += added.toString();
          });
          inserted = ins;
          bigInsert = big;
          if (e.origin === 'paste' || e.origin === 'drop') paste = { origin: e.origin, from: e.pasteFrom, size: text.length, text };
          break;
        }
        case 'cursor_moved': {
          const pid = e.participantId ?? '';
          const v = typeof e.version === 'number' ? e.version : version;
          const c: Cursor = { version: v, anchor: Number(e.anchor) || 0, head: Number(e.head) || 0 };
          logged = new Map(logged).set(pid, c);
          // Logged at the version current then; map through anything applied since.
          let a = c.anchor;
          let hd = c.head;
          for (let k = v; k < version; k++) {
            const ch = changesByVersion[k];
            if (ch) {
              a = ch.mapPos(a, -1);
              hd = ch.mapPos(hd, -1);
            }
          }
          cursors = new Map(cursors).set(pid, { anchor: Math.min(a, doc.length), head: Math.min(hd, doc.length) });
          break;
        }
        case 'language_changed':
          if (typeof e.language === 'string') language = e.language;
          break;
        case 'run_started': {
          const id = String(e.runId ?? `run-${i}`);
          running = { runId: id, language: e.language, version: e.version, ...(e.participantId ? { participantId: e.participantId } : {}) };
          runs.set(id, { runId: id, by: nameIn(names, e.participantId), language: e.language ?? language, version: e.version, running: true, stdout: '', stderr: '', startedAt: e.ts, ...(e.interactive ? { interactive: true } : {}) });
          lastRunId = id;
          terminal = foldTerminal(terminal, e);
          break;
        }
        case 'run_finished': {
          // As the server keeps it: the result, plus who started which version in which language.
          const { seq: _s, ts: _t, type: _y, ...result } = e;
          const run: LastRun = { ...result };
          if (running) {
            if (running.participantId !== undefined && run.participantId === undefined) run.participantId = running.participantId;
            if (run.language === undefined) run.language = running.language;
            if (run.version === undefined) run.version = running.version;
          }
          lastRun = run;
          running = null;
          const id = String(e.runId ?? lastRunId ?? `run-${i}`);
          const prev = runs.get(id) ?? { runId: id, by: nameIn(names, e.participantId), language, running: false, stdout: '', stderr: '', startedAt: e.ts };
          runs.set(id, { ...prev, ...finishedFields(e) });
          lastRunId = id;
          terminal = foldTerminal(terminal, e);
          break;
        }
        case 'terminal_output':
        case 'terminal_resized':
        case 'terminal_input':
          terminal = foldTerminal(terminal, e);
          break;
        case 'note_added':
          notes.push({ index: i, text: String(e.text ?? ''), by: nameIn(names, e.participantId), ts: e.ts });
          break;
        case 'phase_changed':
          if (e.phase === 'live' || e.phase === 'ended') phase = e.phase;
          break;
        case 'controls_changed':
          controls = { editorLocked: !!e.editorLocked, runDisabled: !!e.runDisabled };
          break;
        case 'scorecard_saved': {
          // Last save wins: an interviewer's pinned comments are those of their latest save.
          const by = nameIn(names, e.participantId);
          const list = (Array.isArray(e.comments) ? e.comments : [])
            .filter((c) => typeof c.seq === 'number' && c.seq >= 1)
            .map((c) => ({ index: (c.seq as number) - 1, text: String(c.text ?? ''), by }));
          pinnedBy.set(e.participantId ?? '', list);
          break;
        }
        case 'call_state_changed': {
          // As the server's fold: in the call while `joined` (absent: audio || video).
          const pid = e.participantId ?? '';
          const audio = e.audio === true;
          const video = e.video === true;
          calls = new Map(calls);
          if (e.joined ?? (audio || video)) calls.set(pid, { audio, video });
          else calls.delete(pid);
          break;
        }
        case 'question_loaded': {
          const { seq: _s, ts: _t, type: _y, participantId: _p, ...payload } = e;
          question = payload;
          break;
        }
        case 'tests_started': {
          const { seq: _s, ts: _t, type: _y, ...payload } = e;
          testsRunning = payload;
          break;
        }
        case 'tests_finished': {
          // As the server keeps it: the results, plus who started which version in which language.
          const { seq: _s, ts: _t, type: _y, participantId, ...payload } = e;
          const run: TestRun = { ...payload };
          if (testsRunning) {
            if (testsRunning.participantId !== undefined) run.participantId = testsRunning.participantId;
            if (testsRunning.language !== undefined) run.language = testsRunning.language;
            if (testsRunning.version !== undefined) run.version = testsRunning.version;
          }
          if (run.participantId === undefined && participantId) run.participantId = participantId;
          lastTestRun = run;
          testsRunning = null;
          break;
        }
        case 'focus_changed':
        case 'session_expired':
          break;
      }
    }
    frames.push({ doc, version, language, present, logged, cursors, lastRun, lastRunId, calls, question, lastTestRun, testsRunning, terminal, inserted, bigInsert, phase, controls, paste });
  }
  const pinned = [...pinnedBy.values()].flat().sort((a, b) => a.index - b.index);
  return { events, frames, runs, notes, pinned, names, error, stoppedAt };
}
