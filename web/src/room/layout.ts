// The room's page structure: header (title, role, language, connection, links), editor, run panel,
// participants and (interviewers only) private notes.
import { h, clear, copyButton } from '../dom';
import { languageLabel } from '../languages';
import type { Role, Runtime } from '../protocol';
import type { ConnState } from '../socket';
import type { RoomEls } from './context';

export interface LayoutActions {
  changeLanguage(lang: string): void;
  runCode(): void;
  addNote(text: string): boolean;
}

export function buildLayout(root: HTMLElement, sessionId: string, key: string | undefined, role: Role, title: string, actions: LayoutActions): RoomEls {
  clear(root);
  const langSelect = h('select', { class: 'select', id: 'language-select', 'aria-label': 'Language' });
  langSelect.addEventListener('change', () => actions.changeLanguage(langSelect.value));

  const connText = h('span', { class: 'conn-text' }, 'Connecting…');
  const conn = h('div', { class: 'conn conn-connecting', id: 'connection', title: 'Connection' }, h('span', { class: 'conn-dot' }), connText);
  const candidateLink = `${location.origin}/room/${sessionId}`;

  const headerActions: Node[] = [copyButton(() => candidateLink, 'Copy candidate link')];
  if (role === 'interviewer' && key) {
    headerActions.push(
      h('a', { class: 'btn btn-small', id: 'replay-link', href: `/replay/${sessionId}#key=${encodeURIComponent(key)}`, target: '_blank', rel: 'noopener' }, 'Replay'),
    );
  }

  const titleEl = h('span', { class: 'session-title', id: 'room-title' });
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark' }, '</>'), 'Interview Rooms'),
    titleEl,
    h('span', { class: 'badge badge-role', id: 'my-role' }, role === 'interviewer' ? 'Interviewer' : 'Candidate'),
    h('div', { class: 'spacer' }),
    h('label', { class: 'field-inline' }, h('span', { class: 'muted' }, 'Language'), langSelect),
    conn,
    ...headerActions,
  );
  showTitle(titleEl, title);

  const editorHost = h('div', { class: 'editor-host', id: 'editor' });
  const banner = h('div', { class: 'banner hidden', id: 'banner' });
  const notice = h('div', { class: 'banner banner-error hidden', id: 'notice', role: 'alert' });

  const stdin = h('textarea', { class: 'stdin', id: 'stdin', placeholder: 'stdin (optional)', spellcheck: 'false', rows: 3 });
  const runBtn = h('button', { class: 'btn btn-run', id: 'run-button', title: 'Run (Ctrl/Cmd+Enter)' }, '▶ Run');
  runBtn.addEventListener('click', () => actions.runCode());
  const output = h('div', { class: 'output', id: 'output', 'aria-live': 'polite' });
  const terminalHost = h('div', { class: 'terminal-slot' });

  const runPanel = h(
    'section',
    { class: 'run-panel' },
    h('div', { class: 'run-controls' }, runBtn, h('span', { class: 'muted small' }, 'Ctrl/⌘ + Enter'), h('div', { class: 'spacer' })),
    h(
      'div',
      { class: 'run-body' },
      h('div', { class: 'stdin-wrap' }, h('div', { class: 'panel-label' }, 'Input'), stdin),
      h('div', { class: 'output-wrap' }, h('div', { class: 'panel-label' }, 'Output'), output),
      terminalHost,
    ),
  );

  const people = h('ul', { class: 'people', id: 'participants' });
  const peopleCount = h('span', { class: 'count', id: 'participant-count' }, '0');
  const questionHost = h('div', { class: 'question-host', id: 'question-host' });
  const side: Node[] = [questionHost, h('section', { class: 'card' }, h('h2', {}, 'Participants ', peopleCount), people)];
  let notesList: HTMLElement | undefined;
  let noteInput: HTMLTextAreaElement | undefined;
  if (role === 'interviewer') {
    const list = h('ul', { class: 'notes', id: 'notes' });
    const input = h('textarea', { class: 'note-input', id: 'note-input', placeholder: 'Private note (only interviewers see it)…', rows: 3 });
    const addBtn = h('button', { class: 'btn btn-small btn-primary', id: 'add-note' }, 'Add note');
    const submit = () => {
      const text = input.value.trim();
      if (text && actions.addNote(text)) input.value = '';
    };
    addBtn.addEventListener('click', submit);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        e.stopPropagation();
        submit();
      }
    });
    side.push(
      h(
        'section',
        { class: 'card notes-card' },
        h('h2', {}, 'Private notes ', h('span', { class: 'lock', title: 'Only interviewers see notes' }, 'interviewers only')),
        list,
        input,
        h('div', { class: 'row end' }, addBtn),
      ),
    );
    notesList = list;
    noteInput = input;
  }

  const main = h('main', { class: 'room' }, h('div', { class: 'room-main' }, banner, notice, editorHost, runPanel), h('aside', { class: 'room-side' }, side));
  root.appendChild(h('div', { class: 'room-page' }, header, main));
  output.appendChild(h('div', { class: 'muted empty' }, 'Run the code to see its output here. Everyone in the room sees it.'));
  return { title: titleEl, editorHost, langSelect, conn, connText, people, peopleCount, runBtn, stdin, output, notesList, noteInput, banner, notice, questionHost, terminalHost };
}

export function showTitle(el: HTMLElement, title: string) {
  el.textContent = title;
  el.title = title;
  el.hidden = !title;
}

/** The language menu: plain text, every runtime, and the current language even if it has none here. */
export function fillLanguages(sel: HTMLSelectElement, runtimes: Runtime[], current: string) {
  clear(sel);
  const names = new Set<string>(['plaintext']);
  for (const r of runtimes) names.add(r.language);
  if (current) names.add(current);
  for (const n of names) {
    const rt = runtimes.find((r) => r.language === n);
    sel.appendChild(h('option', { value: n }, rt ? `${languageLabel(n)} ${rt.version}` : languageLabel(n)));
  }
  sel.value = current;
}

/** The connection badge and the "connection lost" banner. */
export function renderConn(els: RoomEls, s: ConnState, retryInMs: number | undefined, everJoined: boolean) {
  const { conn, connText, banner } = els;
  conn.className = `conn conn-${s}`;
  conn.setAttribute('data-state', s);
  if (s === 'online') connText.textContent = 'Connected';
  else if (s === 'connecting') connText.textContent = 'Connecting…';
  else if (s === 'reconnecting') connText.textContent = retryInMs !== undefined ? `Reconnecting in ${Math.max(1, Math.round(retryInMs / 1000))}s…` : 'Reconnecting…';
  else connText.textContent = 'Disconnected';
  if (s === 'reconnecting' && everJoined) {
    banner.textContent = 'Connection lost. You can keep typing: your edits will be sent when the connection is back.';
    banner.classList.remove('hidden');
  } else if (s === 'online') {
    banner.classList.add('hidden');
  }
}

/** A message that stays until dismissed (or replaced), unlike a toast. */
export function showNotice(els: RoomEls, text: string) {
  const n = els.notice;
  clear(n);
  const close = h('button', { class: 'btn btn-small', id: 'notice-close', title: 'Dismiss' }, '✕');
  close.addEventListener('click', () => n.classList.add('hidden'));
  n.append(h('span', { class: 'notice-text' }, text), close);
  n.classList.remove('hidden');
}
