// What the parts of the live room share: the socket, the page's elements and who we are.
import type { Role } from '../protocol';
import type { RoomSocket } from '../socket';

export interface RoomEls {
  title: HTMLElement;
  editorHost: HTMLElement;
  langSelect: HTMLSelectElement;
  conn: HTMLElement;
  connText: HTMLElement;
  people: HTMLElement;
  peopleCount: HTMLElement;
  runBtn: HTMLButtonElement;
  stdin: HTMLTextAreaElement;
  output: HTMLElement;
  notesList?: HTMLElement;
  noteInput?: HTMLTextAreaElement;
  banner: HTMLElement;
  notice: HTMLElement;
  /** Where the shared terminal goes (room/terminal.ts), beside the run output. */
  terminalHost: HTMLElement;
  /** Where the question panel goes (room/questions.ts). */
  questionHost: HTMLElement;
}

export interface RoomContext {
  readonly sessionId: string;
  readonly key: string | undefined;
  readonly role: Role;
  readonly socket: RoomSocket;
  readonly els: RoomEls;
  /** Ours, once session_state arrived. */
  readonly participantId: string | null;
  /** session_state arrived on the current connection. */
  readonly joined: boolean;
  readonly language: string;
  /** Why runs are refused to us now (the interview's phase or controls), or null. */
  readonly runBlocked?: string | null;
}
