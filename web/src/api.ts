// REST client for roomd (see PROTOCOL.md "HTTP").
import { asLogEvent, isObject, type CreatedSession, type EventsPage, type LogEvent, type QuestionRow, type Runtime, type ScorecardsPage, type SessionInfo, type StateAt } from './protocol';

export type { CreatedSession, LogEvent, Runtime, SessionInfo } from './protocol';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The signed-in account's CSRF token (from sign-in or /api/auth/me); sent on every state-changing request. */
let csrfToken: string | null = null;

async function request<T>(method: string, path: string, body?: unknown, key?: string, extra: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Authorization'] = `Bearer ${key}`;
  if (csrfToken && method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached.');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const body = isObject(json) ? json : {};
    const code = typeof body.error === 'string' ? body.error : `http_${res.status}`;
    const msg = typeof body.message === 'string' ? body.message : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, code, msg, body);
  }
  return json as T;
}

export function getRuntimes(): Promise<Runtime[]> {
  return request<Runtime[]>('GET', '/api/runtimes');
}

export function createSession(language: string | undefined, title?: string, questionId?: string, lobby?: boolean): Promise<CreatedSession> {
  const body: Record<string, string | boolean> = {};
  if (language) body.language = language;
  if (title) body.title = title;
  if (questionId) body.questionId = questionId;
  if (lobby) body.lobby = true;
  return request<CreatedSession>('POST', '/api/sessions', body);
}

export function getSession(id: string): Promise<SessionInfo> {
  return request<SessionInfo>('GET', `/api/sessions/${encodeURIComponent(id)}`);
}

export async function getAllEvents(id: string, key: string, onProgress?: (n: number) => void): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  let from: number | null = 1;
  let guard = 0;
  while (from !== null && guard++ < 100000) {
    const page: EventsPage = await request(
      'GET',
      `/api/sessions/${encodeURIComponent(id)}/events?from=${from}&limit=1000`,
      undefined,
      key,
    );
    for (const e of page.events) {
      const ev = asLogEvent(e);
      if (ev) out.push(ev);
    }
    onProgress?.(out.length);
    if (page.next === null || page.next === undefined || page.events.length === 0) break;
    from = page.next;
  }
  return out;
}

export function forkSession(id: string, key: string, seq: number): Promise<CreatedSession> {
  return request<CreatedSession>('POST', `/api/sessions/${encodeURIComponent(id)}/fork`, { seq }, key);
}

/** The latest state (interviewer key): its `seq` is "now" for a comment pinned to the current moment. */
export function getLatestState(id: string, key: string): Promise<StateAt> {
  return request<StateAt>('GET', `/api/sessions/${encodeURIComponent(id)}/state`, undefined, key);
}

/** Every interviewer's scorecard (interviewer key or admin token). */
export function getScorecards(id: string, key: string): Promise<ScorecardsPage> {
  return request<ScorecardsPage>('GET', `/api/sessions/${encodeURIComponent(id)}/scorecards`, undefined, key);
}
/** `GET /api/questions`: readable with an interviewer key and the session it opens (X-Session-Id), or signed in (no key). */
export async function listQuestions(key?: string, sessionId?: string): Promise<QuestionRow[]> {
  const r = await request<{ questions: QuestionRow[] }>('GET', '/api/questions', undefined, key, sessionId ? { 'X-Session-Id': sessionId } : {});
  return Array.isArray(r?.questions) ? r.questions : [];
}

export interface Account {
  id: string;
  login: string;
  displayName: string;
  role: 'interviewer' | 'admin';
}
interface Me {
  user: Account;
  csrfToken: string;
  requireSignIn: boolean;
}

/** Who is signed in: the account, or null with whether this server requires sign-in. */
/** How this server signs interviewers in (`GET /api/auth/providers`): `oidc` is null without --oidc-issuer. */
export interface Providers {
  password: boolean;
  oidc: { name: string; startUrl: string } | null;
}
export function getProviders(): Promise<Providers> {
  return request<Providers>('GET', '/api/auth/providers');
}

export async function getMe(): Promise<{ user: Account | null; requireSignIn: boolean }> {
  try {
    const me = await request<Me>('GET', '/api/auth/me');
    csrfToken = me.csrfToken;
    return { user: me.user, requireSignIn: me.requireSignIn };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      csrfToken = null;
      return { user: null, requireSignIn: err.body.requireSignIn === true };
    }
    throw err;
  }
}

/** Signs in (the server sets the HttpOnly cookie); a wrong login or password is an ApiError 401. */
export async function signIn(login: string, password: string): Promise<Account> {
  const me = await request<Me>('POST', '/api/auth/login', { login, password });
  csrfToken = me.csrfToken;
  return me.user;
}

export async function signOut(): Promise<void> {
  await request<null>('POST', '/api/auth/logout');
  csrfToken = null;
}
