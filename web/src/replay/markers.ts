// The timeline's moments: joins, leaves, language changes, runs, notes, focus changes, large pastes,
// and the one-line description of any event.
import { languageLabel } from '../languages';
import type { LogEvent } from '../protocol';
import { actorOf, nameIn, type Folded } from './fold';

export type MarkerKind = 'join' | 'leave' | 'language' | 'run' | 'tests' | 'question' | 'paste' | 'focus' | 'blur' | 'note' | 'start' | 'end';

export interface Marker {
  index: number;
  kind: MarkerKind;
  label: string;
  runId?: string;
}

export const MARKER_LEGEND: [MarkerKind, string][] = [
  ['join', 'join'],
  ['leave', 'leave'],
  ['language', 'language'],
  ['run', 'run'],
  ['tests', 'test run'],
  ['question', 'question loaded'],
  ['paste', 'large paste'],
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
        const big = f.frames[i].bigInsert;
        if (big !== undefined && big > pasteThreshold) out.push({ index: i, kind: 'paste', label: `${who} inserted ${big} characters at once` });
        break;
      }
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
  return out;
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
      return `${who} started a run`;
    case 'run_finished':
      return 'run finished';
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
    default:
      return String((e as { type: unknown }).type).replace(/_/g, ' ');
  }
}
