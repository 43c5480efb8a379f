// Entry: route on location.pathname (roomd answers /, /room/<id>, /replay/<id> with index.html).
import './style.css';
import { renderHome } from './home';
import { renderRoom } from './room/page';
import { renderReplay } from './replay/page';
import { screen } from './dom';
import { h } from './dom';

function route() {
  const root = document.getElementById('app')!;
  const path = location.pathname;
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/room\/([^/]+)\/?$/))) {
    document.title = 'Interview room';
    void renderRoom(root, decodeURIComponent(m[1]));
  } else if ((m = path.match(/^\/replay\/([^/]+)\/?$/))) {
    document.title = 'Interview replay';
    void renderReplay(root, decodeURIComponent(m[1]));
  } else if (path === '/' || path === '/index.html') {
    document.title = 'Interview Rooms';
    void renderHome(root);
  } else {
    root.replaceChildren(screen('Page not found', `There is nothing at ${path}.`, [h('a', { class: 'btn btn-primary', href: '/' }, 'Go to start page')]));
  }
}

route();
