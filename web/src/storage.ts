// localStorage helpers: remembered name and the "recent interviews" list.
export interface RecentSession {
  sessionId: string;
  title?: string;
  language?: string;
  createdAt: number;
  lastOpenedAt: number;
  role: 'interviewer' | 'candidate';
  key?: string; // only for interviews this browser created or opened with a key
}

const NAME_KEY = 'ir.name';
const RECENT_KEY = 'ir.recent';

function safeGet(k: string): string | null {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}
function safeSet(k: string, v: string) {
  try {
    localStorage.setItem(k, v);
  } catch {
    /* storage disabled */
  }
}

export function getName(): string {
  return safeGet(NAME_KEY) ?? '';
}
export function setName(name: string) {
  safeSet(NAME_KEY, name);
}

export function getRecent(): RecentSession[] {
  try {
    const v = JSON.parse(safeGet(RECENT_KEY) ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

export function rememberSession(s: Partial<RecentSession> & { sessionId: string }) {
  const list = getRecent();
  const i = list.findIndex((r) => r.sessionId === s.sessionId);
  const prev = i >= 0 ? list[i] : undefined;
  const merged: RecentSession = {
    createdAt: Date.now(),
    role: 'candidate',
    ...prev,
    ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)),
    lastOpenedAt: Date.now(),
  } as RecentSession;
  if (prev?.key && !s.key) merged.key = prev.key;
  if (merged.key) merged.role = 'interviewer';
  if (i >= 0) list.splice(i, 1);
  list.unshift(merged);
  safeSet(RECENT_KEY, JSON.stringify(list.slice(0, 30)));
}

export function forgetSession(id: string) {
  safeSet(RECENT_KEY, JSON.stringify(getRecent().filter((r) => r.sessionId !== id)));
}
