// The room's full-page states (unknown, ended, failed) and the tab title.
import { h, screen } from '../dom';

/** The tab's title: the session's title (e.g. "Backend - Jane Doe") first, so tabs tell rooms apart. */
export function setRoomTitle(title: string) {
  document.title = title ? `${title} · Interview room` : 'Interview room';
}

export function unknownScreen() {
  return screen('Interview not found', 'This link does not point to a live interview. It may be mistyped, or the interview has expired.', [
    h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page'),
  ]);
}
export function endedScreen() {
  return screen('This interview has ended', 'The session was closed or expired. Thanks for taking part.', [
    h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page'),
  ]);
}
export function errorScreen(message: string) {
  return screen('Something went wrong', message, [
    h('button', { class: 'btn btn-primary', onclick: () => location.reload() }, 'Try again'),
  ]);
}
