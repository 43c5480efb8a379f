// REST client for roomd (see PROTOCOL.md "HTTP").
export interface Runtime {
  language: string;
  version: string;
  aliases?: string[];
}

export interface CreatedSession {
  sessionId: string;
  interviewerKey: string;
  language: string;
  createdAt: number;
  joinUrl: string;
  interviewerUrl: string;
  replayUrl: string;
}

export interface SessionInfo {
  sessionId: string;
  language: string;
  createdAt: number;
  lastActivityAt: number;
  expiresAt: number;
  version: number;
  participants: unknown[];
}

export interface LogEvent {
  seq: number;
  ts: number;
  type: string;
  participantId?: string;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Authorization'] = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', 'The server could not be reached.');
  }
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const code = json && typeof json.error === 'string' ? json.error : `http_${res.status}`;
    const msg = json && typeof json.message === 'string' ? json.message : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, code, msg);
  }
  return json as T;
}

export function getRuntimes(): Promise<Runtime[]> {
  return request<Runtime[]>('GET', '/api/runtimes');
}

export function createSession(language: string, title?: string): Promise<CreatedSession> {
  const body: Record<string, string> = { language };
  if (title) body.title = title;
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
    const page: { events: LogEvent[]; next: number | null } = await request(
      'GET',
      `/api/sessions/${encodeURIComponent(id)}/events?from=${from}&limit=1000`,
      undefined,
      key,
    );
    out.push(...page.events);
    onProgress?.(out.length);
    if (page.next === null || page.next === undefined || page.events.length === 0) break;
    from = page.next;
  }
  return out;
}

export function forkSession(id: string, key: string, seq: number): Promise<CreatedSession> {
  return request<CreatedSession>('POST', `/api/sessions/${encodeURIComponent(id)}/fork`, { seq }, key);
}
