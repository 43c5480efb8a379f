// Private notes (interviewers only): live note_added messages plus the notes already in the log.
import { h, formatTime } from '../dom';
import { getAllEvents } from '../api';
import type { RoomContext } from './context';

interface Note {
  noteId: string;
  participantId?: string;
  text: string;
  version?: number;
  ts?: number;
}

export class Notes {
  private notes = new Map<string, Note>();

  constructor(
    private ctx: RoomContext,
    private nameOf: (pid: string | undefined) => string | undefined,
  ) {}

  get size() {
    return this.notes.size;
  }

  add(n: Note) {
    const list = this.ctx.els.notesList;
    if (!list || this.notes.has(n.noteId)) return;
    this.notes.set(n.noteId, n);
    const by = this.nameOf(n.participantId) ?? '';
    list.appendChild(
      h(
        'li',
        { class: 'note', 'data-note': n.noteId },
        h('div', { class: 'note-meta' }, [by, n.ts ? formatTime(n.ts) : '', n.version !== undefined ? `v${n.version}` : ''].filter(Boolean).join(' · ')),
        h('div', { class: 'note-text' }, n.text),
      ),
    );
    list.scrollTop = list.scrollHeight;
  }

  /** Notes made before this page loaded live in the event log (interviewer key required). */
  async load() {
    const key = this.ctx.key;
    if (!key) return;
    try {
      const events = await getAllEvents(this.ctx.sessionId, key);
      for (const e of events) {
        if (e.type === 'note_added') this.add({ noteId: String(e.noteId), participantId: e.participantId, text: String(e.text ?? ''), ts: e.ts });
      }
    } catch {
      /* replay API not available: only live notes are shown */
    }
  }
}
