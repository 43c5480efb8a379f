// The team's interviews on the home page (GET /api/interviews, issue #21).
//
// The list shows only when the server answers 200: the sign-in cookie goes with the same-origin
// request and a signed-in interviewer sees the interviews they created or joined (admins
// everyone's); each row's replay link opens without the key for that account.
import { h, clear, formatDuration } from './dom';
import { ApiError } from './api';
import { languageLabel } from './languages';

export interface InterviewRow {
  sessionId: string;
  title: string;
  phase: 'lobby' | 'live' | 'ended' | null;
  createdAt: number;
  lastActivityAt: number;
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
  language: string;
  question: string | null;
  candidates: string[];
  interviewers: string[];
  replayUrl: string;
}

export interface InterviewsPage {
  interviews: InterviewRow[];
  next: string | null;
}

export async function fetchInterviews(q: string, cursor: string | null, token?: string): Promise<InterviewsPage> {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (cursor) params.set('cursor', cursor);
  params.set('limit', '50');
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers['Authorization'] = `Bearer ${token}`;
  const res = await fetch(`/api/interviews?${params.toString()}`, { headers, credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, `${res.status} ${res.statusText}`);
  return (await res.json()) as InterviewsPage;
}

function rowView(r: InterviewRow): HTMLElement {
  const facts = [
    r.candidates.length ? r.candidates.join(', ') : 'no candidate yet',
    r.phase ?? '',
    new Date(r.createdAt).toLocaleDateString(),
    r.durationMs !== null ? formatDuration(r.durationMs) : '',
    languageLabel(r.language),
    r.question ?? '',
  ].filter(Boolean);
  return h(
    'li',
    { class: 'recent interview-row', 'data-session-id': r.sessionId },
    h(
      'div',
      { class: 'recent-main' },
      h('span', { class: 'recent-title' }, r.title || `Interview ${r.sessionId.slice(0, 8)}`),
      h('div', { class: 'muted small' }, facts.join(' · ')),
    ),
    h('a', { class: 'btn btn-small', href: r.replayUrl }, 'Replay'),
  );
}

/**
 * Fills `host` with the searchable list when the server lets this browser list interviews;
 * leaves it empty and hidden otherwise. `token`: a credential to send (none today).
 */
export async function mountInterviews(host: HTMLElement, token?: string): Promise<void> {
  host.hidden = true;
  let first: InterviewsPage;
  try {
    first = await fetchInterviews('', null, token);
  } catch {
    return; // 401/403: not ours to list (yet)
  }
  clear(host);
  host.hidden = false;
  const search = h('input', { class: 'input', id: 'interviews-search', type: 'search', placeholder: 'Search by title or candidate' }) as HTMLInputElement;
  const list = h('ul', { class: 'recent-list', id: 'interviews-list' });
  const more = h('button', { class: 'btn btn-small', id: 'interviews-more', type: 'button', hidden: true }, 'More');
  const empty = h('p', { class: 'muted small', id: 'interviews-empty', hidden: true }, 'No interviews match.');
  host.append(h('h2', {}, 'Interviews'), search, list, empty, more);

  let next: string | null = null;
  let generation = 0; // a newer search wins over an older page still on its way
  const show = (page: InterviewsPage, append: boolean) => {
    if (!append) clear(list);
    for (const r of page.interviews) list.appendChild(rowView(r));
    next = page.next;
    more.hidden = next === null;
    empty.hidden = list.childElementCount > 0;
  };
  show(first, false);

  const load = async (append: boolean) => {
    const mine = ++generation;
    try {
      const page = await fetchInterviews(search.value.trim(), append ? next : null, token);
      if (mine === generation) show(page, append);
    } catch (err) {
      if (mine === generation) empty.textContent = err instanceof Error ? err.message : String(err);
    }
  };
  let timer: number | undefined;
  search.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void load(false), 200);
  });
  more.addEventListener('click', () => void load(true));
}
