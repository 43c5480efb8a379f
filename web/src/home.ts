// Start page: create an interview, join one by link or id, recent interviews.
import { h, clear, toast, copyButton, formatTime } from './dom';
import { ApiError, createSession, getMe, getRuntimes, listQuestions, signOut, type Account, type CreatedSession, type Runtime } from './api';
import type { QuestionRow } from './protocol';
import { questionPicker } from './room/questions';
import { languageLabel } from './languages';
import { forgetSession, getRecent, rememberSession } from './storage';
import { mountInterviews } from './interviews';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Accepts a full link, a path, or a bare id; returns the room path to open (keeping #key=). */
export function parseJoinInput(input: string): string | null {
  const s = input.trim();
  if (!s) return null;
  let path = s;
  let hash = '';
  try {
    const u = new URL(s, location.origin);
    path = u.pathname;
    hash = u.hash;
  } catch {
    /* not a URL */
  }
  const m = path.match(/\/(room|replay)\/([^/?#]+)/);
  if (m) return `/${m[1]}/${m[2]}${hash}`;
  const id = s.match(UUID_RE)?.[0] ?? (/^[A-Za-z0-9_-]{6,}$/.test(s) ? s : null);
  return id ? `/room/${id}` : null;
}

export async function renderHome(root: HTMLElement) {
  clear(root);
  let account: Account | null = null;
  try {
    const me = await getMe();
    if (!me.user && me.requireSignIn) {
      location.assign('/signin');
      return;
    }
    account = me.user;
  } catch {
    /* an older server without accounts: the page works as before */
  }
  const langSelect = h('select', { class: 'select', id: 'new-language', 'aria-label': 'Language' }) as HTMLSelectElement;
  langSelect.appendChild(h('option', { value: 'plaintext' }, 'Plain text'));
  const runtimeNote = h('p', { class: 'muted small', id: 'runtime-note' }, 'Loading languages…');
  const title = h('input', { class: 'input', id: 'new-title', placeholder: 'Title (optional), e.g. "Backend — Jane Doe"', maxlength: 120 }) as HTMLInputElement;
  const lobby = h('input', { type: 'checkbox', id: 'new-lobby' }) as HTMLInputElement;
  const startBtn = h('button', { class: 'btn btn-primary btn-block', id: 'start-button', type: 'submit' }, 'Start an interview');
  let chosen: QuestionRow | null = null;
  const chosenLabel = h('span', { class: 'muted', id: 'chosen-question' }, 'None');
  const chooseBtn = h('button', { class: 'btn btn-small', id: 'choose-question', type: 'button' }, 'Choose…');
  const clearBtn = h('button', { class: 'btn btn-small btn-ghost', id: 'clear-question', type: 'button', hidden: true }, '✕');
  chooseBtn.addEventListener('click', async () => {
    let rows: QuestionRow[];
    try {
      rows = account ? await listQuestions() : await libraryRows();
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'error');
      return;
    }
    const dialog = questionPicker(
      rows,
      (row) => {
        chosen = row;
        chosenLabel.textContent = `${row.title} (${row.difficulty})`;
        clearBtn.hidden = false;
        if (row.languages.includes('python') && !row.languages.includes(langSelect.value)) langSelect.value = 'python';
        dialog.remove();
      },
      { withStarterToggle: false },
    );
    document.body.appendChild(dialog);
  });
  clearBtn.addEventListener('click', () => {
    chosen = null;
    chosenLabel.textContent = 'None';
    clearBtn.hidden = true;
  });
  const created = h('div', { id: 'created' });

  const startForm = h(
    'form',
    { class: 'card', id: 'start-form' },
    h('h2', {}, 'Start an interview'),
    h('label', { class: 'field' }, h('span', {}, 'Language'), langSelect),
    runtimeNote,
    h('label', { class: 'field' }, h('span', {}, 'Title'), title),
    h('label', { class: 'field-inline' }, lobby, h('span', {}, 'Lobby: the candidate waits until you start')),
    h('div', { class: 'field' }, h('span', {}, 'Question'), h('div', { class: 'row' }, chosenLabel, chooseBtn, clearBtn)),
    startBtn,
    created,
  );

  const joinInput = h('input', { class: 'input', id: 'join-input', placeholder: 'Paste a room link or id' }) as HTMLInputElement;
  const joinForm = h(
    'form',
    { class: 'card', id: 'join-form' },
    h('h2', {}, 'Join an interview'),
    h('p', { class: 'muted small' }, 'Paste the link you were sent. Interviewer links contain #key=…'),
    h('div', { class: 'row' }, joinInput, h('button', { class: 'btn', type: 'submit' }, 'Join')),
  );
  joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const target = parseJoinInput(joinInput.value);
    if (!target) {
      toast('That does not look like a room link or id.', 'error');
      return;
    }
    location.assign(target);
  });

  const recent = h('div', { class: 'card', id: 'recent' });

  root.appendChild(
    h(
      'div',
      { class: 'home' },
      h(
        'header',
        { class: 'hero' },
        h('div', { class: 'brand brand-big' }, h('span', { class: 'brand-mark' }, '</>'), 'Interview Rooms'),
        h('p', { class: 'lead' }, 'A shared editor for live coding interviews: real-time collaboration, runnable code, private notes and a keystroke-level replay.'),
        accountBar(account),
      ),
      h('div', { class: 'home-grid' }, startForm, h('div', { class: 'stack' }, joinForm, recent)),
    ),
  );
  renderRecent(recent);
  // The team's interviews (interviews.ts): shown only when the server lets this browser list them.
  const interviews = h('div', { class: 'card', id: 'interviews', hidden: true });
  root.querySelector('.home')?.appendChild(interviews);
  void mountInterviews(interviews);

  let runtimes: Runtime[] = [];
  getRuntimes()
    .then((rts) => {
      runtimes = Array.isArray(rts) ? rts : [];
      for (const r of runtimes) langSelect.appendChild(h('option', { value: r.language }, `${languageLabel(r.language)} ${r.version ?? ''}`.trim()));
      const py = runtimes.find((r) => r.language === 'python');
      if (py) langSelect.value = 'python';
      runtimeNote.textContent = runtimes.length
        ? `${runtimes.length} runnable language${runtimes.length === 1 ? '' : 's'} on this server.`
        : 'No runtimes are configured on this server: code can be edited but not run.';
    })
    .catch(() => {
      runtimeNote.textContent = 'Could not load the list of languages.';
    });

  startForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    startBtn.disabled = true;
    startBtn.textContent = 'Creating…';
    try {
      const language = chosen && !chosen.languages.includes(langSelect.value) ? undefined : langSelect.value;
      const s = await createSession(language, title.value.trim() || undefined, chosen?.questionId, lobby.checked);
      rememberSession({ sessionId: s.sessionId, key: s.interviewerKey, title: title.value.trim() || undefined, language: s.language, createdAt: s.createdAt, role: 'interviewer' });
      showCreated(created, s);
      renderRecent(recent);
      startBtn.textContent = 'Start another interview';
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'error');
      startBtn.textContent = 'Start an interview';
    } finally {
      startBtn.disabled = false;
    }
  });
}

/** Who is signed in, with a sign-out; a sign-in link when nobody is. */
function accountBar(account: Account | null): HTMLElement {
  if (!account) return h('p', { class: 'account-bar muted small', id: 'account-bar' }, h('a', { href: '/signin', id: 'signin-link' }, 'Interviewer sign-in'));
  const out = h('button', { class: 'btn btn-small btn-ghost', id: 'signout-button', type: 'button' }, 'Sign out');
  out.addEventListener('click', async () => {
    try {
      await signOut();
      location.reload();
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'error');
    }
  });
  return h('p', { class: 'account-bar muted small', id: 'account-bar' }, 'Signed in as ', h('strong', { id: 'signed-in-as' }, account.displayName || account.login), ` (${account.login}) `, out);
}

const LIBRARY_KEY = 'ir.library';

/**
 * The question list without an account. Reading the library takes an interviewer key and the session
 * it opens: the key of an interview this browser created, else of a session made for reading it
 * (kept in localStorage, not in the recent list).
 */
async function libraryRows(): Promise<QuestionRow[]> {
  const candidates = getRecent().filter((r) => r.key);
  try {
    const kept = JSON.parse(localStorage.getItem(LIBRARY_KEY) ?? 'null') as { sessionId: string; key: string } | null;
    if (kept?.key) candidates.push({ sessionId: kept.sessionId, key: kept.key, createdAt: 0, lastOpenedAt: 0, role: 'interviewer' });
  } catch {
    /* storage disabled or garbage: make a new one below */
  }
  for (const c of candidates.slice(0, 3)) {
    try {
      return await listQuestions(c.key!, c.sessionId);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 403 && err.status !== 404)) throw err;
    }
  }
  const s = await createSession(undefined, 'Question library');
  try {
    localStorage.setItem(LIBRARY_KEY, JSON.stringify({ sessionId: s.sessionId, key: s.interviewerKey }));
  } catch {
    /* storage disabled */
  }
  return listQuestions(s.interviewerKey, s.sessionId);
}

function showCreated(host: HTMLElement, s: CreatedSession) {
  clear(host);
  const candidate = new URL(s.joinUrl, location.origin).href;
  const interviewer = new URL(s.interviewerUrl, location.origin).href;
  host.appendChild(
    h(
      'div',
      { class: 'created' },
      h('div', { class: 'created-title' }, 'Interview created'),
      linkRow('Candidate link', candidate, 'candidate-link', 'Send this to the candidate.'),
      linkRow('Interviewer link', interviewer, 'interviewer-link', 'Keep this private: it grants the interviewer role and the replay.'),
      h('a', { class: 'btn btn-primary btn-block', id: 'enter-room', href: s.interviewerUrl }, 'Enter the room as interviewer →'),
    ),
  );
}

function linkRow(label: string, url: string, id: string, hint: string) {
  const input = h('input', { class: 'input mono', id, readonly: true, value: url }) as HTMLInputElement;
  input.addEventListener('focus', () => input.select());
  return h('div', { class: 'link-row' }, h('div', { class: 'link-label' }, label, h('span', { class: 'muted small' }, ' — ' + hint)), h('div', { class: 'row' }, input, copyButton(() => url)));
}

function renderRecent(host: HTMLElement) {
  clear(host);
  host.appendChild(h('h2', {}, 'Recent interviews'));
  const list = getRecent();
  if (!list.length) {
    host.appendChild(h('p', { class: 'muted small' }, 'Interviews you create or join appear here (stored in this browser only).'));
    return;
  }
  const ul = h('ul', { class: 'recent-list' });
  for (const r of list) {
    const roomHref = r.key ? `/room/${r.sessionId}#key=${encodeURIComponent(r.key)}` : `/room/${r.sessionId}`;
    const del = h('button', { class: 'btn btn-ghost btn-small', title: 'Forget' }, '✕');
    del.addEventListener('click', () => {
      forgetSession(r.sessionId);
      renderRecent(host);
    });
    ul.appendChild(
      h(
        'li',
        { class: 'recent' },
        h(
          'div',
          { class: 'recent-main' },
          h('a', { href: roomHref, class: 'recent-title' }, r.title || `Interview ${r.sessionId.slice(0, 8)}`),
          h('div', { class: 'muted small' }, [r.role, r.language ? languageLabel(r.language) : '', new Date(r.createdAt).toLocaleDateString() + ' ' + formatTime(r.createdAt)].filter(Boolean).join(' · ')),
        ),
        r.key ? h('a', { class: 'btn btn-small', href: `/replay/${r.sessionId}#key=${encodeURIComponent(r.key)}` }, 'Replay') : null,
        del,
      ),
    );
  }
  host.appendChild(ul);
}
