// The timeline's moments: joins, leaves, language changes, runs, notes, focus changes, large pastes,
// and the one-line description of any event.
import { languageLabel } from '../languages';
import type { LogEvent } from '../protocol';
import { actorOf, nameIn, type Folded } from './fold';

export type MarkerKind = 'join' | 'leave' | 'language' | 'run' | 'tests' | 'question' | 'paste' | 'paste-outside' | 'focus' | 'blur' | 'note' | 'start' | 'end' | 'phase' | 'scorecard';

export interface Marker {
  index: number;
  kind: MarkerKind;
  label: string;
  runId?: string;
  /** Shown on hover: a paste's text. */
  detail?: string;
}

const PHASE_LABEL = { lobby: 'Lobby', live: 'Interview live', ended: 'Interview ended' } as const;

export const MARKER_LEGEND: [MarkerKind, string][] = [
  ['join', 'join'],
  ['leave', 'leave'],
  ['language', 'language'],
  ['run', 'run'],
  ['tests', 'test run'],
  ['question', 'question loaded'],
  ['paste', 'large paste'],
  ['paste-outside', 'paste from outside'],
  ['phase', 'start/end'],
  ['scorecard', 'scorecard comment'],
  ['blur', 'focus lost/regained'],
  ['note', 'note'],
];

/** All markers in event order, with a "large paste" for every insertion over `pasteThreshold` characters. */
export function buildMarkers(f: Folded, pasteThreshold: number): Marker[] {
  const out: Marker[] = [];
  const lastFocus = new Map<string, boolean>();
  const stop = f.stoppedAt ?? f.events.length;
  for (let i = 0; i < stop; i++) {
    const e = f.events[i];
    const who = nameIn(f.names, e.participantId);
    switch (e.type) {
      case 'session_created':
        out.push({ index: i, kind: 'start', label: `Session created${e.title ? `: ${e.title}` : ''}` });
        break;
      case 'participant_joined':
        out.push({ index: i, kind: 'join', label: `${e.participant?.name ?? 'unknown'} joined (${e.participant?.role ?? ''})` });
        break;
      case 'participant_left':
        out.push({ index: i, kind: 'leave', label: `${who} left${e.reason ? ` (${e.reason})` : ''}` });
        break;
      case 'code_changed': {
        const paste = f.frames[i].paste;
        if (paste && paste.from === 'outside') {
          out.push({ index: i, kind: 'paste-outside', label: `${who} pasted ${paste.size} characters from outside the pad`, detail: paste.text.slice(0, 2000) });
          break;
        }
        // The size threshold stays the signal for clients that send no origin (and for moves inside).
        const big = f.frames[i].bigInsert;
        if (!paste && big !== undefined && big > pasteThreshold) out.push({ index: i, kind: 'paste', label: `${who} inserted ${big} characters at once` });
        break;
      }
      case 'phase_changed':
        out.push({ index: i, kind: 'phase', label: `${PHASE_LABEL[e.phase] ?? e.phase} (${who})` });
        break;
      case 'controls_changed':
        out.push({ index: i, kind: 'phase', label: `${who}: editor ${e.editorLocked ? 'locked' : 'unlocked'}, runs ${e.runDisabled ? 'disabled' : 'enabled'}` });
        break;
      case 'language_changed':
        out.push({ index: i, kind: 'language', label: `${who} switched to ${languageLabel(f.frames[i].language)}` });
        break;
      case 'run_finished': {
        const id = f.frames[i].lastRunId;
        const r = id ? f.runs.get(id) : undefined;
        if (r) out.push({ index: i, kind: 'run', runId: id, label: `${r.by} ran the code: ${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}` });
        break;
      }
      case 'question_loaded':
        out.push({ index: i, kind: 'question', label: `${who} loaded the question: ${String(e.title ?? e.questionId ?? '')}` });
        break;
      case 'tests_finished':
        // The results as they were: the frame's lastTestRun is this run.
        out.push({ index: i, kind: 'tests', label: `${nameIn(f.names, f.frames[i].lastTestRun?.participantId)} ran the tests: ${e.passed}/${e.total} passed` });
        break;
      case 'note_added':
        out.push({ index: i, kind: 'note', label: `Note by ${who}: ${String(e.text ?? '').slice(0, 60)}` });
        break;
      case 'focus_changed': {
        const pid = e.participantId ?? '';
        // The first "focused" report after a join is not a moment worth marking.
        if (e.focused && lastFocus.get(pid) !== false) {
          lastFocus.set(pid, true);
          break;
        }
        lastFocus.set(pid, !!e.focused);
        out.push({ index: i, kind: e.focused ? 'focus' : 'blur', label: `${who} ${e.focused ? 'came back to the tab' : 'left the tab'}` });
        break;
      }
      case 'session_expired':
        out.push({ index: i, kind: 'end', label: 'Session expired' });
        break;
    }
  }
  for (const c of f.pinned) if (c.index < stop) out.push({ index: c.index, kind: 'scorecard', label: `${c.by}'s scorecard: ${c.text.slice(0, 80)}`, detail: c.text });
  out.sort((a, b) => a.index - b.index);
  return out;
}

/** A stretch of the timeline during which one participant was in the call, with one media state. */
export interface CallBand {
  participantId: string;
  name: string;
  color: string;
  /** First and last event index of the stretch (inclusive). */
  from: number;
  to: number;
  audio: boolean;
  video: boolean;
}

/**
 * The call as bands: one per participant and media state, from the fold's `calls` (which folds
 * call_state_changed like the server), so joining, muting and leaving show where they happened.
 */
export function buildCallBands(f: Folded): CallBand[] {
  const out: CallBand[] = [];
  const open = new Map<string, CallBand>();
  const stop = f.stoppedAt ?? f.events.length;
  for (let i = 0; i < stop; i++) {
    const calls = f.frames[i].calls;
    for (const [pid, band] of open) {
      const now = calls.get(pid);
      if (!now || now.audio !== band.audio || now.video !== band.video) {
        band.to = Math.max(band.from, i - 1);
        out.push(band);
        open.delete(pid);
      }
    }
    for (const [pid, media] of calls) {
      if (open.has(pid)) continue;
      const who = f.names.get(pid);
      open.set(pid, { participantId: pid, name: who?.name ?? 'someone', color: who?.color ?? '#8892b0', from: i, to: i, audio: media.audio, video: media.video });
    }
  }
  for (const band of open.values()) {
    band.to = Math.max(band.from, stop - 1);
    out.push(band);
  }
  return out.sort((a, b) => a.from - b.from);
}

/** One line about an event, for the event label and the "All events" list. */
export function describe(e: LogEvent, f: Folded): string {
  const pid = actorOf(e);
  const who = (pid && f.names.get(pid)?.name) || '';
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
      if (e.interactive) return e.repl ? `${who} started a ${languageLabel(e.language)} REPL` : `${who} ran the code in the terminal`;
      return `${who} started a run`;
    case 'run_finished':
      return e.interactive ? 'terminal run finished' : 'run finished';
    case 'terminal_output':
      return 'terminal output';
    case 'terminal_input':
      return `${who} typed in the terminal`;
    case 'terminal_resized':
      return `terminal resized to ${e.cols}×${e.rows}`;
    case 'note_added':
      return `${who} added a note`;
    case 'question_loaded':
      return `${who} loaded a question`;
    case 'tests_started':
      return `${who} ran the tests`;
    case 'tests_finished':
      return `tests finished: ${e.passed}/${e.total} passed`;
    case 'focus_changed':
      return `${who} ${e.focused ? 'focused' : 'left the tab'}`;
    case 'phase_changed':
      return `${who}: ${PHASE_LABEL[e.phase] ?? e.phase}`;
    case 'controls_changed':
      return `${who} set the controls`;
    case 'scorecard_saved':
      return `${who} saved a scorecard${e.submitted ? ' (submitted)' : ''}`;
    case 'call_state_changed':
      if (!(e.joined ?? (e.audio || e.video))) return `${who} left the call`;
      return `${who} in the call: ${e.audio ? 'mic on' : 'muted'}, ${e.video ? 'camera on' : 'camera off'}`;
    default:
      return String((e as { type: unknown }).type).replace(/_/g, ' ');
  }
}
