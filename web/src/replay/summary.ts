// The printable summary of an interview (`/replay/<id>?view=summary#key=…`): phases and the time
// spent in each, runs and test runs over time, pastes from outside the pad, time away from the tab,
// and the scorecards. Built from the same fold as the replay, so it says what the log says.
import { h, formatTime } from '../dom';
import { getScorecards } from '../api';
import type { LogEvent, Scorecard } from '../protocol';
import { nameIn, type Folded } from './fold';

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Time in each phase, from the phase changes and the first and last event. */
function phaseSpans(events: LogEvent[]): { phase: string; from: number; to: number }[] {
  if (!events.length) return [];
  const first = events[0];
  let phase = first.type === 'session_created' && first.phase === 'lobby' ? 'lobby' : 'live';
  let from = first.ts;
  const out: { phase: string; from: number; to: number }[] = [];
  for (const e of events) {
    if (e.type !== 'phase_changed') continue;
    out.push({ phase, from, to: e.ts });
    phase = e.phase;
    from = e.ts;
  }
  out.push({ phase, from, to: events[events.length - 1].ts });
  return out;
}

/** Per participant, the time their tab had no focus (focus_changed false .. true, or the end). */
function timeAway(f: Folded): Map<string, number> {
  const away = new Map<string, number>();
  const since = new Map<string, number>();
  const end = f.events.length ? f.events[f.events.length - 1].ts : 0;
  for (const e of f.events) {
    if (e.type !== 'focus_changed' || !e.participantId) continue;
    if (!e.focused) since.set(e.participantId, e.ts);
    else if (since.has(e.participantId)) {
      away.set(e.participantId, (away.get(e.participantId) ?? 0) + e.ts - since.get(e.participantId)!);
      since.delete(e.participantId);
    }
  }
  for (const [pid, t] of since) away.set(pid, (away.get(pid) ?? 0) + end - t);
  return away;
}

export async function renderSummary(root: HTMLElement, sessionId: string, key: string, f: Folded, title: string) {
  let cards: Scorecard[] = [];
  try {
    cards = (await getScorecards(sessionId, key)).scorecards;
  } catch {
    /* an older server: no scorecards */
  }
  const rows = (items: Node[]) => h('ul', {}, items);
  const phases = phaseSpans(f.events).map((p) => h('li', {}, `${p.phase}: ${formatTime(p.from)} – ${formatTime(p.to)} (${minutes(p.to - p.from)})`));
  const runs = [...f.runs.values()].map((r) =>
    h('li', {}, `${r.startedAt ? formatTime(r.startedAt) : ''} ${r.by} ran ${r.language ?? ''}: ${r.running ? 'unfinished' : r.timedOut ? 'timed out' : `exit ${r.exitCode}`}`),
  );
  const tests = f.events
    .filter((e) => (e as { type: string }).type === 'tests_finished')
    .map((e) => {
      const t = e as unknown as { ts: number; passed?: number; total?: number };
      return h('li', {}, `${formatTime(t.ts)}: ${t.passed ?? '?'} of ${t.total ?? '?'} tests passed`);
    });
  const pastes = f.frames
    .map((fr, i) => ({ fr, e: f.events[i] }))
    .filter(({ fr }) => fr.paste?.from === 'outside')
    .map(({ fr, e }) => h('li', {}, `${formatTime(e.ts)} ${nameIn(f.names, e.participantId)} pasted ${fr.paste!.size} characters: `, h('code', {}, fr.paste!.text.slice(0, 200))));
  const away = [...timeAway(f)].map(([pid, ms]) => h('li', {}, `${nameIn(f.names, pid)}: ${minutes(ms)} away from the tab`));
  const scorecards = cards.map((c) =>
    h(
      'li',
      { class: 'summary-card' },
      h('strong', {}, c.name || 'Interviewer'),
      ` ${c.submitted ? 'submitted' : 'draft'}${c.recommendation ? ` · ${c.recommendation.replace('_', ' ')}` : ''}: `,
      Object.entries(c.ratings)
        .map(([k, v]) => `${k} ${v}/4`)
        .join(', '),
      c.comments.length ? rows(c.comments.map((m) => h('li', {}, m.seq ? `#${m.seq}: ` : '', m.text))) : '',
    ),
  );
  const section = (name: string, items: Node[], none: string) => h('section', { class: 'card' }, h('h2', {}, name), items.length ? rows(items) : h('p', { class: 'muted' }, none));
  root.replaceChildren(
    h(
      'div',
      { class: 'summary-page', id: 'summary' },
      h('h1', {}, title || 'Interview summary'),
      h('p', { class: 'no-print' }, h('button', { class: 'btn', onclick: () => window.print() }, 'Print'), ' ', h('a', { class: 'btn', href: `/replay/${encodeURIComponent(sessionId)}${key ? `#key=${encodeURIComponent(key)}` : ''}` }, 'Open the replay')),
      section('Phases', phases, 'No phases.'),
      section('Runs', runs, 'No runs.'),
      section('Test runs', tests, 'No test runs.'),
      section('Pastes from outside the pad', pastes, 'None.'),
      section('Time away from the tab', away, 'Nobody left the tab.'),
      section('Scorecards', scorecards, 'No scorecards.'),
    ),
  );
}
