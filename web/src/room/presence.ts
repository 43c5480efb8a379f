// Who is in the room (online, offline within the resume window, left; focus for interviewers) and
// where their cursors are; our own cursor goes out throttled.
import { h, clear, initials, toast } from '../dom';
import { removeRemoteCursor, replaceRemoteCursors, setRemoteCursor, type RemoteCursor } from '../cursors';
import type { Cursor, CursorUpdatedMsg, ParticipantFocusMsg, ParticipantJoinedMsg, ParticipantLeftMsg, ParticipantView } from '../protocol';
import type { RoomContext } from './context';
import type { Collab } from './collab';

const CURSOR_THROTTLE_MS = 50;

interface Participant extends ParticipantView {
  online: boolean;
  left?: boolean;
}

export class Presence {
  private participants = new Map<string, Participant>();
  /** Cursors not yet shown: their version is ahead of our synced document. */
  private pending = new Map<string, Cursor>();
  /** The last cursor of each participant (shown again after the editor is replaced). */
  private last = new Map<string, Cursor>();
  private cursorTimer: number | undefined;
  private lastCursorSent = 0;
  private cursorDirty = false; // the last cursor was sent while local edits were unconfirmed
  private lastFocusSent: boolean | null = null;

  constructor(
    private ctx: RoomContext,
    private collab: Collab,
  ) {}

  name(pid: string | undefined): string | undefined {
    return pid ? this.participants.get(pid)?.name : undefined;
  }

  /** session_state: the participants as the server has them now. */
  reset(list: ParticipantView[]) {
    const prevFocus = new Map([...this.participants].map(([k, p]) => [k, p.focused]));
    this.participants.clear();
    for (const p of list) {
      this.participants.set(p.participantId, { ...p, online: p.online ?? true, focused: p.focused ?? prevFocus.get(p.participantId) });
      if (p.participantId !== this.ctx.participantId && p.cursor) this.pending.set(p.participantId, p.cursor);
    }
    this.collab.view?.dispatch({ effects: replaceRemoteCursors.of([]) });
    this.applyPending();
    this.render();
    this.lastFocusSent = null;
    this.sendFocus();
    this.scheduleCursor();
  }

  /** A new editor: put the known cursors back. */
  editorReset() {
    for (const [pid, c] of this.last) if (!this.pending.has(pid)) this.pending.set(pid, c);
    this.applyPending();
  }

  /** A participant shown offline (dropped, within the resume window) who acts again is back. */
  markActive(pid: string | undefined) {
    if (!pid) return;
    const p = this.participants.get(pid);
    if (p && !p.online && !p.left) {
      p.online = true;
      this.render();
    }
  }

  joined(m: ParticipantJoinedMsg) {
    const p = m.participant;
    if (!p || !p.participantId) return;
    const existing = this.participants.get(p.participantId);
    this.participants.set(p.participantId, { ...existing, ...p, online: true, left: false });
    this.render();
    if (!existing && p.participantId !== this.ctx.participantId) toast(`${p.name} joined`, 'info', 2500);
  }

  left(m: ParticipantLeftMsg) {
    const p = this.participants.get(m.participantId);
    if (p) {
      p.online = false;
      p.left = true;
      p.focused = undefined;
      toast(`${p.name} left`, 'info', 2500);
    }
    this.pending.delete(m.participantId);
    this.last.delete(m.participantId);
    this.collab.view?.dispatch({ effects: removeRemoteCursor.of(m.participantId) });
    this.render();
  }

  focus(m: ParticipantFocusMsg) {
    const p = this.participants.get(m.participantId);
    if (p) {
      p.focused = !!m.focused;
      this.render();
    }
  }

  cursor(m: CursorUpdatedMsg) {
    if (m.participantId === this.ctx.participantId) return;
    const c = { version: m.version, anchor: m.anchor, head: m.head };
    this.pending.set(m.participantId, c);
    this.last.set(m.participantId, c);
    this.applyPending();
  }

  /** Show the cursors whose version our document has reached. */
  applyPending() {
    const view = this.collab.view;
    if (!view) return;
    const synced = this.collab.synced;
    const effects = [];
    for (const [pid, c] of this.pending) {
      if (c.version > synced) continue;
      this.pending.delete(pid);
      const p = this.participants.get(pid);
      if (!p || !p.online) continue;
      const cursor: RemoteCursor = {
        id: pid,
        name: p.name,
        color: p.color || '#8892b0',
        anchor: this.collab.mapToLocal(c.anchor, c.version),
        head: this.collab.mapToLocal(c.head, c.version),
        movedAt: Date.now(),
      };
      effects.push(setRemoteCursor.of(cursor));
    }
    if (effects.length) view.dispatch({ effects });
  }

  /** Updates arrived: pending cursors may now be shown, and ours re-sent once all is confirmed. */
  received(ownConfirmed: boolean) {
    // Positions sent while edits were unconfirmed were mapped back to an older version (and stay
    // before text inserted later): send the exact position again once everything is confirmed.
    if (ownConfirmed && this.cursorDirty && this.collab.unconfirmed === 0) this.scheduleCursor();
    this.applyPending();
  }

  scheduleCursor() {
    if (this.cursorTimer !== undefined) return;
    const wait = Math.max(0, CURSOR_THROTTLE_MS - (Date.now() - this.lastCursorSent));
    this.cursorTimer = window.setTimeout(() => {
      this.cursorTimer = undefined;
      this.sendCursor();
    }, wait);
  }

  private sendCursor() {
    if (!this.ctx.joined) return;
    const sel = this.collab.selectionAtSynced();
    if (!sel) return;
    this.cursorDirty = sel.dirty;
    this.lastCursorSent = Date.now();
    this.ctx.socket.send({ type: 'cursor_update', version: sel.version, anchor: sel.anchor, head: sel.head });
  }

  sendFocus() {
    if (!this.ctx.joined) return;
    const focused = document.visibilityState === 'visible' && document.hasFocus();
    if (focused === this.lastFocusSent) return;
    this.lastFocusSent = focused;
    this.ctx.socket.send({ type: 'focus_change', focused });
  }

  render() {
    const { people, peopleCount } = this.ctx.els;
    clear(people);
    const list = [...this.participants.values()].sort((a, b) => Number(b.online) - Number(a.online));
    let online = 0;
    const interviewer = this.ctx.role === 'interviewer';
    for (const p of list) {
      if (p.online) online++;
      const me = p.participantId === this.ctx.participantId;
      const status: Node[] = [];
      if (!p.online) status.push(h('span', { class: 'tag tag-off' }, p.left ? 'left' : 'offline'));
      else if (interviewer && p.focused === false) status.push(h('span', { class: 'tag tag-away', title: 'Tab not focused' }, 'away'));
      else if (interviewer && p.focused === true) status.push(h('span', { class: 'tag tag-focus' }, 'focused'));
      people.appendChild(
        h(
          'li',
          { class: `person${p.online ? '' : ' offline'}`, 'data-participant': p.participantId, 'data-role': p.role },
          h('span', { class: 'avatar', style: `background:${p.color || '#8892b0'}` }, initials(p.name), h('span', { class: `presence ${p.online ? 'on' : 'off'}` })),
          h('span', { class: 'person-name' }, p.name, me ? h('span', { class: 'muted' }, ' (you)') : null),
          h('span', { class: `role role-${p.role}` }, p.role),
          status,
        ),
      );
    }
    peopleCount.textContent = String(online);
  }
}
