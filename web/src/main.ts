// Entry: route on location.pathname (roomd answers /, /signin, /room/<id>, /replay/<id> with index.html).
import './style.css';
import { renderHome } from './home';
import { screen } from './dom';
import { h } from './dom';

function route() {
  const root = document.getElementById('app')!;
  const path = location.pathname;
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/room\/([^/]+)\/?$/))) {
    document.title = 'Interview room';
    // The room and the replay load as their own chunks (with xterm.js and the editor), so the
    // start page does not download them.
    const id = decodeURIComponent(m[1]);
    void import('./room/page').then(({ renderRoom }) => renderRoom(root, id));
  } else if ((m = path.match(/^\/replay\/([^/]+)\/?$/))) {
    document.title = 'Interview replay';
    const id = decodeURIComponent(m[1]);
    void import('./replay/page').then(({ renderReplay }) => renderReplay(root, id));
  } else if (path === '/signin' || path === '/signin/') {
    document.title = 'Sign in · Interview Rooms';
    void import('./signin').then(({ renderSignIn }) => renderSignIn(root));
  } else if (path === '/' || path === '/index.html') {
    document.title = 'Interview Rooms';
    void renderHome(root);
  } else {
    root.replaceChildren(screen('Page not found', `There is nothing at ${path}.`, [h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page')]));
  }
}

route();
