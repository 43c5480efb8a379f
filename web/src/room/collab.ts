// Collaborative editing over the room socket (@codemirror/collab): send local updates as
// code_update, receive code_changed, rebase on code_update_rejected, repair gaps with pull.
// A push the server cannot take (over its message limit, or a document over its size limit) is
// dropped: the editor goes back to the server's document, and the participant is told why.
import { ChangeSet, Compartment, EditorState, Text, type Transaction } from '@codemirror/state';
import { EditorView, keymap, type ViewUpdate } from '@codemirror/view';
import { collab, getSyncedVersion, receiveUpdates, sendableUpdates, type Update } from '@codemirror/collab';
import { toast } from '../dom';
import { editableExtensions, setLanguage } from '../editor';
import type { CodeChangedMsg, CodeUpdateMsg, CodeUpdateRejectedMsg, Cursor, EditOrigin, ErrorMsg, SessionStateMsg, WireUpdate } from '../protocol';
import type { RoomContext } from './context';

const HISTORY_KEEP = 500;
/**
 * roomd's default `--max-message-bytes` (1 MiB). No endpoint tells the real limit, so a push larger
 * than the default is never sent; a smaller configured limit shows up as close 1009 (or as 1006 when
 * the close handshake is lost: see onClosed).
 */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** roomd's `max_updates_per_push` (actors/room.hpp): more in one code_update is refused as too_large. */
const MAX_UPDATES_PER_PUSH = 100;
/** A push this large that is in flight when the connection dies abnormally may be what killed it. */
const SUSPECT_PUSH_BYTES = 8 << 10;

/** What refused the push: this page (over MAX_MESSAGE_BYTES), roomd closing the socket, or the document limit. */
export type TooLargeWhy = 'message' | 'closed' | 'document';

export interface CollabHooks {
  runCode(): void;
  /** The document or the local selection changed. */
  localChange(u: ViewUpdate): void;
  /** Updates were received; `ownConfirmed` when some were ours. */
  received(ownConfirmed: boolean): void;
  /** A push was dropped as too large; the editor was (or will be on rejoin) reset. */
  tooLarge(bytes: number, why: TooLargeWhy): void;
  /** A new editor replaced the old one (remote cursors must be set again). */
  editorReset(): void;
}

/** How many texts copied (or cut) from this editor are remembered to tell pastes inside from outside. */
const COPIES_KEPT = 20;

/** The paste signal of a local transaction, from CodeMirror's user event. */
function originOf(tr: Transaction): EditOrigin {
  if (tr.isUserEvent('input.paste')) return 'paste';
  if (tr.isUserEvent('input.drop') || tr.isUserEvent('move.drop')) return 'drop';
  if (tr.isUserEvent('undo') || tr.isUserEvent('redo')) return 'undo';
  if (tr.isUserEvent('input') || tr.isUserEvent('delete')) return 'typed';
  return 'other';
}

/** The text a change set inserts, all pieces joined. */
function insertedText(changes: ChangeSet): string {
  let text = '';
  changes.iterChanges((_fa, _ta, _fb, _tb, added) => {
    text += added.toString();
  });
  return text;
}

function randomId(): string {
  const a = new Uint8Array(8);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The size of a string as UTF-8 (what the WebSocket frame carries). */
function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4; // a surrogate pair
      i++;
    } else n += 3;
  }
  return n;
}

export class Collab {
  view: EditorView | null = null;
  private clientID = randomId();
  private inFlight = false;
  private inFlightTimer: number | undefined;
  private inFlightBytes = 0;
  private inFlightRef = '';
  private pushCount = 0;
  private serverVersion = 0;
  private catchupTimer: number | undefined;
  /** Changes received, for mapping positions from older versions (remote cursors). */
  private history: { version: number; changes: ChangeSet }[] = [];
  /** The server's document at the synced version (what a dropped push resets to). */
  private syncedDoc: Text = Text.empty;
  /** Abnormal closes in a row with a large push in flight and no acknowledgement since. */
  private suspectCloses = 0;
  /** The next session_state replaces the local document (a push was dropped while offline). */
  private resetOnJoin = false;
  private resetTimer: number | undefined;
  /** Texts copied or cut from this editor in this tab (newest last): a paste of one is "inside". */
  private copied: string[] = [];
  private editable = new Compartment();
  private readOnly = false;

  constructor(
    private ctx: RoomContext,
    private hooks: CollabHooks,
  ) {}

  get synced(): number {
    return this.view ? getSyncedVersion(this.view.state) : -1;
  }
  get unconfirmed(): number {
    return this.view ? sendableUpdates(this.view.state).length : 0;
  }

  /** session_state: create the editor, or reconcile after a reconnect. */
  joined(m: SessionStateMsg, resumed: boolean) {
    this.inFlight = false;
    window.clearTimeout(this.inFlightTimer);
    this.serverVersion = m.version;
    if (!this.view) {
      this.createEditor(m.doc, m.version);
      return;
    }
    const synced = getSyncedVersion(this.view.state);
    if (this.resetOnJoin) {
      this.resetOnJoin = false;
      this.reset(Text.of(m.doc.split('\n')), m.version);
    } else if (m.version < synced) {
      // The server knows less than we do (should not happen): start over from its document.
      toast('The server state went back in time; reloading the document.', 'error');
      this.reset(Text.of(m.doc.split('\n')), m.version);
    } else if (m.version > synced && !resumed) {
      // A fresh join (resume window passed): ask for what we missed.
      this.ctx.socket.send({ type: 'pull', version: synced });
    }
    // When resumed, the server follows with code_changed {from: synced}.
    this.armCatchup();
  }

  /** The socket closed. A close that says (1009) or suggests (1006 twice) our push was too big drops it. */
  closed(code: number) {
    const pushed = this.inFlight ? this.inFlightBytes : 0;
    this.inFlight = false;
    window.clearTimeout(this.inFlightTimer);
    if (code === 1009 && pushed > 0) {
      this.dropOnRejoin(pushed, 'closed');
    } else if (code === 1009) {
      toast('A message was too large for the server (a very long input or note?) and was not sent.', 'error', 8000);
    } else if (code === 1006 && pushed >= SUSPECT_PUSH_BYTES) {
      // One abnormal close may be the network; the same push killing the next connection too is not.
      if (++this.suspectCloses >= 2) this.dropOnRejoin(pushed, 'closed');
    }
  }

  private dropOnRejoin(bytes: number, why: TooLargeWhy) {
    this.suspectCloses = 0;
    this.resetOnJoin = true;
    this.hooks.tooLarge(bytes, why);
  }

  /** An error about our push: a document over the server's size limit is dropped now. */
  error(m: ErrorMsg): boolean {
    if (!this.view || !this.inFlight || m.ref !== this.inFlightRef || m.code !== 'too_large') return false;
    this.hooks.tooLarge(this.inFlightBytes, 'document');
    this.reset(this.syncedDoc, getSyncedVersion(this.view.state));
    return true;
  }

  private createEditor(doc: string | Text, version: number) {
    const runKeys = keymap.of([
      {
        key: 'Mod-Enter',
        run: () => {
          this.hooks.runCode();
          return true;
        },
      },
    ]);
    const state = EditorState.create({
      doc,
      extensions: [
        runKeys,
        ...editableExtensions(this.ctx.language, [
          this.editable.of(this.editableExt()),
          collab({ startVersion: version, clientID: this.clientID }),
          EditorView.updateListener.of((u) => this.onViewUpdate(u)),
        ]),
      ],
    });
    this.syncedDoc = state.doc;
    this.view = new EditorView({ state, parent: this.ctx.els.editorHost });
    void setLanguage(this.view, this.ctx.language);
    const remember = () => this.rememberCopy();
    this.view.contentDOM.addEventListener('copy', remember);
    this.view.contentDOM.addEventListener('cut', remember);
  }

  /** The editor refuses local edits (an ended interview or a locked editor, for a candidate). */
  setReadOnly(readOnly: boolean) {
    this.readOnly = readOnly;
    this.view?.dispatch({ effects: this.editable.reconfigure(this.editableExt()) });
  }

  private editableExt() {
    return this.readOnly ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : [];
  }

  private rememberCopy() {
    const view = this.view;
    if (!view) return;
    const text = view.state.selection.ranges
      .filter((r) => !r.empty)
      .map((r) => view.state.sliceDoc(r.from, r.to))
      .join(view.state.lineBreak);
    if (!text) return;
    this.copied.push(text);
    if (this.copied.length > COPIES_KEPT) this.copied.shift();
  }

  /** origin (and pasteFrom) of a local update, for the replay's paste signals. */
  private signalOf(tr: Transaction, changes: ChangeSet): Pick<WireUpdate, 'origin' | 'pasteFrom'> {
    const origin = originOf(tr);
    if (origin !== 'paste' && origin !== 'drop') return { origin };
    if (tr.isUserEvent('move.drop')) return { origin, pasteFrom: 'inside' };
    const text = insertedText(changes).trim();
    const inside = text.length > 0 && this.copied.some((c) => c.trim() === text || c.includes(text));
    return { origin, pasteFrom: inside ? 'inside' : 'outside' };
  }

  /** Replace the editor with the server's document at `version`, dropping unconfirmed local changes. */
  private reset(doc: Text, version: number) {
    window.clearTimeout(this.resetTimer);
    this.view?.destroy();
    this.view = null;
    this.history = [];
    this.inFlight = false;
    window.clearTimeout(this.inFlightTimer);
    // A fresh clientID: echoes of what was sent under the old one must be applied, not skipped.
    this.clientID = randomId();
    this.createEditor(doc, version);
    this.hooks.editorReset();
  }

  private onViewUpdate(u: ViewUpdate) {
    // Remote updates never produce sendable updates, so this only sends local edits.
    if (u.docChanged) this.trySend();
    if (u.selectionSet || u.docChanged) this.hooks.localChange(u);
  }

  trySend() {
    const view = this.view;
    if (!view || !this.ctx.joined || this.inFlight || this.resetTimer !== undefined || !this.ctx.socket.isOpen) return;
    const synced = getSyncedVersion(view.state);
    if (synced < this.serverVersion) {
      this.armCatchup();
      return;
    }
    const ups = sendableUpdates(view.state);
    if (!ups.length) return;
    // As many updates as fit in one message (and roomd's per-push count); the rest go after the echo.
    const updates: WireUpdate[] = [];
    let size = 200; // the envelope
    for (const u of ups.slice(0, MAX_UPDATES_PER_PUSH)) {
      const w: WireUpdate = { clientID: u.clientID, changes: u.changes.toJSON(), ...this.signalOf(u.origin, u.changes) };
      const b = utf8Bytes(JSON.stringify(w)) + 1;
      if (updates.length && size + b > MAX_MESSAGE_BYTES) break;
      updates.push(w);
      size += b;
    }
    const ref = `push-${++this.pushCount}`;
    const msg: CodeUpdateMsg = { type: 'code_update', version: synced, ref, updates };
    const text = JSON.stringify(msg);
    const bytes = utf8Bytes(text);
    if (bytes > MAX_MESSAGE_BYTES) {
      // A single update over the limit: it cannot be split without changing what collab confirms.
      // Sending it would only get the connection closed (and the push resent after every reconnect).
      this.hooks.tooLarge(bytes, 'message');
      // Not from inside the view's own update listener.
      this.resetTimer = window.setTimeout(() => {
        this.resetTimer = undefined;
        // syncedDoc and the synced version move together (updates may have arrived meanwhile).
        if (this.view) this.reset(this.syncedDoc, getSyncedVersion(this.view.state));
      }, 0);
      return;
    }
    if (!this.ctx.socket.sendText(text)) return;
    this.inFlight = true;
    this.inFlightBytes = bytes;
    this.inFlightRef = ref;
    window.clearTimeout(this.inFlightTimer);
    this.inFlightTimer = window.setTimeout(() => {
      // No acknowledgement: ask for what we may have missed and try again.
      if (!this.inFlight || !this.view) return;
      this.inFlight = false;
      this.ctx.socket.send({ type: 'pull', version: getSyncedVersion(this.view.state) });
      window.setTimeout(() => this.trySend(), 300);
    }, 5000);
  }

  private armCatchup() {
    window.clearTimeout(this.catchupTimer);
    this.catchupTimer = window.setTimeout(() => {
      if (!this.view || !this.ctx.joined) return;
      const synced = getSyncedVersion(this.view.state);
      if (synced < this.serverVersion) {
        this.ctx.socket.send({ type: 'pull', version: synced });
        this.armCatchup();
      }
    }, 1500);
  }

  codeChanged(m: CodeChangedMsg) {
    const view = this.view;
    if (!view) return;
    const updates = m.updates;
    const from = m.from;
    this.serverVersion = Math.max(this.serverVersion, from + updates.length);
    const synced = getSyncedVersion(view.state);
    if (from > synced) {
      // A gap: we missed something. Ask for it.
      this.ctx.socket.send({ type: 'pull', version: synced });
      this.armCatchup();
      return;
    }
    const fresh = updates.slice(synced - from);
    if (!fresh.length) return;
    let parsed: Update[];
    try {
      parsed = fresh.map((u) => ({ changes: ChangeSet.fromJSON(u.changes), clientID: String(u.clientID) }));
    } catch {
      toast('Received an update the editor cannot read; reloading may help.', 'error');
      return;
    }
    const ownCount = parsed.filter((u) => u.clientID === this.clientID).length;
    try {
      view.dispatch(receiveUpdates(view.state, parsed));
    } catch (e) {
      console.error('receiveUpdates failed', e);
      toast('The document got out of sync; reloading the room.', 'error');
      setTimeout(() => location.reload(), 1500);
      return;
    }
    let v = synced;
    for (const u of parsed) {
      v++;
      this.history.push({ version: v, changes: u.changes });
      this.syncedDoc = u.changes.apply(this.syncedDoc);
    }
    if (this.history.length > HISTORY_KEEP) this.history.splice(0, this.history.length - HISTORY_KEEP);
    if (ownCount > 0) {
      this.inFlight = false;
      this.suspectCloses = 0;
      window.clearTimeout(this.inFlightTimer);
    }
    this.hooks.received(ownCount > 0);
    this.trySend();
  }

  rejected(m: CodeUpdateRejectedMsg) {
    this.inFlight = false;
    window.clearTimeout(this.inFlightTimer);
    if (typeof m.version === 'number') this.serverVersion = Math.max(this.serverVersion, m.version);
    // The missing code_changed messages are on their way; trySend waits for them (or pulls).
    this.trySend();
  }

  /** Map a position in the document at `version` to the current local document. */
  mapToLocal(pos: number, version: number): number {
    const view = this.view;
    if (!view) return pos;
    for (const h of this.history) if (h.version > version) pos = h.changes.mapPos(pos, -1);
    for (const u of sendableUpdates(view.state)) pos = u.changes.mapPos(pos, -1);
    return Math.max(0, Math.min(view.state.doc.length, pos));
  }

  /** The main selection expressed in the synced version's document; `dirty` when edits are unconfirmed. */
  selectionAtSynced(): (Cursor & { dirty: boolean }) | null {
    const view = this.view;
    if (!view) return null;
    const sel = view.state.selection.main;
    let anchor = sel.anchor;
    let head = sel.head;
    const ups = sendableUpdates(view.state);
    if (ups.length) {
      const back = ups.map((u) => u.changes).reduce((a, b) => a.compose(b)).invertedDesc;
      anchor = back.mapPos(anchor, -1);
      head = back.mapPos(head, -1);
    }
    return { version: getSyncedVersion(view.state), anchor, head, dirty: ups.length > 0 };
  }
}
