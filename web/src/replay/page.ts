// The replay page: needs the interviewer key (from the fragment, or pasted), or a signed-in
// account the interview is listed for (the server decides: the cookie goes with every request);
// loads every event, folds them and hands over to the ReplayPage.
import { h, clear, screen } from '../dom';
import { ApiError, getAllEvents, type LogEvent } from '../api';
import { parseKeyFromHash } from '../link';
import { foldEvents } from './fold';
import { ReplayPage } from './replay';
import { renderSummary } from './summary';

export async function renderReplay(root: HTMLElement, sessionId: string) {
  const key = parseKeyFromHash(location.hash) ?? '';
  clear(root);
  const status = h('p', { class: 'muted' }, 'Loading events…');
  root.appendChild(h('div', { class: 'screen' }, h('div', { class: 'screen-card' }, h('div', { class: 'spinner' }), status)));
  let events: LogEvent[];
  try {
    events = await getAllEvents(sessionId, key, (n) => (status.textContent = `Loading events… ${n}`));
  } catch (e) {
    clear(root);
    // Without a key, a refusal means this browser's account (if any) does not open it: ask.
    const refused = e instanceof ApiError && (e.status === 401 || e.status === 403);
    root.appendChild(!key && refused ? askForKey(root, sessionId) : loadFailed(e));
    return;
  }
  if (!events.length) {
    clear(root);
    root.appendChild(screen('Nothing to replay', 'This interview has no events yet.', [h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page')]));
    return;
  }
  const created = events.find((e) => e.type === 'session_created');
  const title = created && created.type === 'session_created' && typeof created.title === 'string' ? created.title : '';
  document.title = title ? `${title} · Interview replay` : 'Interview replay';
  if (new URLSearchParams(location.search).get('view') === 'summary') {
    document.title = title ? `${title} · Interview summary` : 'Interview summary';
    await renderSummary(root, sessionId, key, foldEvents(events), title);
    return;
  }
  new ReplayPage(root, sessionId, key, foldEvents(events), title).mount();
}

function askForKey(root: HTMLElement, sessionId: string): HTMLElement {
  const input = h('input', { class: 'input', placeholder: 'Interviewer key or interviewer link' });
  const form = h(
    'form',
    { class: 'screen-card', id: 'replay-need-key' },
    h('h1', {}, 'Replay needs the interviewer key'),
    h('p', {}, "Only interviewers can replay an interview, and this link carries no interviewer key (a candidate's link never does). Open the replay from the interviewer link, or paste the key here."),
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
  return h('div', { class: 'screen' }, form);
}

function loadFailed(e: unknown): HTMLElement {
  const home = [h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page')];
  if (e instanceof ApiError && e.status === 404) return screen('Interview not found', 'There is no stored interview with this id. It may have expired.', home);
  if (e instanceof ApiError && e.status === 401) return screen('Replay needs the interviewer key', 'Only interviewers can replay an interview.', home);
  if (e instanceof ApiError && e.status === 403) return screen('Key rejected', 'The interviewer key in this link is not valid for this interview. Only interviewers can replay it.', home);
  return screen('Could not load the replay', e instanceof Error ? e.message : String(e), [h('button', { class: 'btn btn-primary', onclick: () => location.reload() }, 'Try again')]);
}
