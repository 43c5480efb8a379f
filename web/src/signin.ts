// The sign-in page (/signin): an interviewer account's login and password (accounts are made with
// `roomctl user add`). Candidates never come here: their link is their credential.
import { h, clear } from './dom';
import { ApiError, getMe, getProviders, signIn } from './api';

export async function renderSignIn(root: HTMLElement) {
  clear(root);
  const login = h('input', { class: 'input', id: 'signin-login', name: 'username', autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' }) as HTMLInputElement;
  const password = h('input', { class: 'input', id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 }) as HTMLInputElement;
  const error = h('p', { class: 'signin-error', id: 'signin-error', role: 'alert', hidden: true });
  const button = h('button', { class: 'btn btn-primary btn-block', id: 'signin-button', type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'screen-card', id: 'signin-form' },
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }, '</>'), 'Interview Rooms'),
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Interviewers sign in to create interviews. Candidates need no account: open the link you were sent.'),
    h('label', { class: 'field' }, h('span', {}, 'Login'), login),
    h('label', { class: 'field' }, h('span', {}, 'Password'), password),
    error,
    button,
  );
  root.appendChild(h('div', { class: 'screen' }, form));
  // With an OpenID Connect provider configured, its button: a plain link, the server does the rest.
  void getProviders()
    .then((p) => {
      if (!p.oidc) return;
      form.appendChild(h('p', { class: 'signin-or muted small' }, 'or'));
      form.appendChild(h('a', { class: 'btn btn-block', id: 'signin-oidc', href: p.oidc.startUrl }, `Sign in with ${p.oidc.name}`));
    })
    .catch(() => {
      /* an older server: the password form alone */
    });

  try {
    if ((await getMe()).user) {
      location.replace('/');
      return;
    }
  } catch {
    /* the form still works */
  }
  login.focus();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    error.hidden = true;
    try {
      await signIn(login.value.trim(), password.value);
      location.assign('/');
    } catch (err) {
      error.textContent =
        err instanceof ApiError && err.status === 401
          ? 'Wrong login or password.'
          : err instanceof ApiError && err.status === 429
            ? err.message
            : err instanceof Error
              ? err.message
              : String(err);
      error.hidden = false;
      password.value = '';
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
}
