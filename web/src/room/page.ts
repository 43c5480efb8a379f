// The live room page: load the session, ask for a name, then hand over to the Room.
import { h, clear } from '../dom';
import { ApiError, getRuntimes, getSession, type Runtime } from '../api';
import { parseKeyFromHash } from '../link';
import { getName, rememberSession, setName } from '../storage';
import type { Role } from '../protocol';
import { Room } from './room';
import { errorScreen, setRoomTitle, unknownScreen } from './screens';

export async function renderRoom(root: HTMLElement, sessionId: string) {
  const key = parseKeyFromHash(location.hash);
  const role: Role = key ? 'interviewer' : 'candidate';
  clear(root);
  root.appendChild(h('div', { class: 'screen' }, h('div', { class: 'spinner', 'aria-label': 'Loading' })));

  let runtimes: Runtime[] = [];
  let title = '';
  try {
    const [info, rts] = await Promise.all([getSession(sessionId), getRuntimes().catch(() => [] as Runtime[])]);
    runtimes = Array.isArray(rts) ? rts : [];
    title = typeof info.title === 'string' ? info.title : '';
  } catch (e) {
    clear(root);
    if (e instanceof ApiError && e.status === 404) root.appendChild(unknownScreen());
    else root.appendChild(errorScreen(e instanceof Error ? e.message : String(e)));
    return;
  }
  setRoomTitle(title);
  rememberSession({ sessionId, role, key, ...(title ? { title } : {}) });

  const name = await askName(root, role, title);
  const room = new Room(root, sessionId, key, role, name, runtimes, title);
  room.start();
}

function askName(root: HTMLElement, role: Role, title: string): Promise<string> {
  return new Promise((resolve) => {
    clear(root);
    const input = h('input', {
      class: 'input',
      id: 'name-input',
      name: 'name',
      placeholder: 'Your name',
      maxlength: 60,
      autocomplete: 'name',
      required: true,
    });
    input.value = getName();
    const form = h(
      'form',
      { class: 'screen-card name-card' },
      h('div', { class: 'brand brand-big' }, h('span', { class: 'brand-mark' }, '</>'), 'Interview Rooms'),
      h('h1', {}, role === 'interviewer' ? 'Join as interviewer' : 'Join the interview'),
      title ? h('p', { class: 'session-title', id: 'join-title' }, title) : null,
      h('p', { class: 'muted' }, 'Your name is shown to everyone in the room.'),
      input,
      h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'join-button' }, 'Join room'),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const n = input.value.trim();
      if (!n) {
        input.focus();
        return;
      }
      setName(n);
      resolve(n);
    });
    root.appendChild(h('div', { class: 'screen' }, form));
    input.focus();
    input.select();
  });
}
