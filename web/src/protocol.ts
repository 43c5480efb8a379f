// The wire protocol (shared/PROTOCOL.md, docs/protocol.md) as TypeScript types: every message roomd
// sends (actors/room.cpp), every message the pages send, every log event (actors/room_state.cpp) and
// the REST answers the pages read. Each union is discriminated on `type`. JSON arrives as `unknown`
// and is narrowed in one place per channel: `parseServerMessage` (WebSocket) and `asLogEvent` (/events).

// ---------------------------------------------------------------- shared values

export type Role = 'candidate' | 'interviewer';

/** CodeMirror's `ChangeSet.toJSON()`: keep n, `[n]` delete n, `[n, ...lines]` replace n. */
export type ChangeSetJSON = readonly (number | readonly [number, ...string[]])[];

export interface Cursor {
  version: number;
  anchor: number;
  head: number;
}

/** A participant as `session_state` and `participant_joined` show it. */
export interface ParticipantView {
  participantId: string;
  name: string;
  role: Role;
  color: string;
  online?: boolean;
  cursor?: Cursor;
  /** Interviewers only: whether the participant's tab has focus. */
  focused?: boolean;
}

/** A participant as logged in `participant_joined` and returned by `/state`. */
export interface ParticipantRecord {
  participantId: string;
  name: string;
  role: Role;
  color: string;
}

/** The result of a run: `run_finished` (message and event) and `lastRun`. */
export interface RunResult {
  runId: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  compileOutput?: string;
  /** The runner could not run the program (sandbox failure). */
  error?: string;
  /** A run on the terminal: its output went to `terminal_output` (stdout and stderr are empty). */
  interactive?: boolean;
}

/** `lastRun` in `session_state` and `/state`: the result plus who ran which version in which language. */
export interface LastRun extends RunResult {
  participantId?: string;
  language?: string;
  version?: number;
}

/** The run in progress (`running` in `session_state`). */
export interface RunningRun {
  runId: string;
  participantId?: string;
  language: string;
  version: number;
}

/**
 * The shared terminal: the latest interactive run (`session_state.terminal`, `/state`'s `terminal`).
 * `data` is everything it printed so far; it has one size for everyone (one pseudo-terminal).
 */
export interface TerminalView {
  runId: string;
  participantId: string;
  language: string;
  /** The language's interpreter (start_repl) rather than the document (run_code interactive). */
  repl: boolean;
  cols: number;
  rows: number;
  data: string;
  /** Still running: terminal_input reaches it. */
  active: boolean;
}

/** Where an edit came from, as CodeMirror's user event says (paste signals). */
export type EditOrigin = 'typed' | 'paste' | 'drop' | 'undo' | 'other';
/** For a paste or drop: whether the text was copied from this room's document in this tab. */
export type PasteFrom = 'outside' | 'inside';
/** A test of a loaded question: hidden ones reach a candidate as `{name, hidden: true}` only. */
export interface QuestionTest {
  name: string;
  hidden: boolean;
  stdin?: string;
  expected?: string;
  timeoutMs?: number;
}

/** The question of `question_loaded` and `session_state` (the candidate's view or, for interviewers, whole). */
export interface QuestionView {
  questionId: string;
  title: string;
  statement: string;
  languages: Record<string, { starter: string }>;
  tests: QuestionTest[];
  tags?: string[];
  difficulty?: 'easy' | 'medium' | 'hard' | string;
  version?: number;
  updatedAt?: number;
}

/** One test's result; a candidate's hidden one carries name, hidden, passed, durationMs, timedOut only. */
export interface TestResult {
  name: string;
  hidden: boolean;
  passed: boolean;
  durationMs: number;
  timedOut: boolean;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  expected?: string;
  error?: string;
}

/** `tests_finished` and `lastTestRun`. */
export interface TestRun {
  runId: string;
  results: TestResult[];
  passed: number;
  total: number;
  participantId?: string;
  language?: string;
  version?: number;
  error?: string;
}

/** The test run in progress (`testsRunning`). */
export interface TestsRunning {
  runId: string;
  participantId?: string;
  language?: string;
  version?: number;
  total?: number;
}

export interface WireUpdate {
  clientID: string;
  changes: ChangeSetJSON;
  origin?: EditOrigin;
  pasteFrom?: PasteFrom;
}

// ---------------------------------------------------------------- the interview (v2)

export type Phase = 'lobby' | 'live' | 'ended';

export interface Controls {
  editorLocked: boolean;
  runDisabled: boolean;
}

export type Recommendation = 'strong_no' | 'no' | 'yes' | 'strong_yes';

export interface ScorecardComment {
  text: string;
  /** The moment (log seq) the comment is pinned to. */
  seq?: number;
}

/** What an interviewer saves: `save_scorecard` and the `scorecard_saved` event's payload. */
export interface ScorecardFields {
  ratings: Record<string, number>;
  recommendation?: Recommendation;
  comments: ScorecardComment[];
  submitted: boolean;
}

/** A scorecard as the room and `GET /scorecards` show it. */
export interface Scorecard extends ScorecardFields {
  participantId: string;
  name: string;
  updatedAt: number;
  seq: number;
}

export type ErrorCode =
  | 'bad_json'
  | 'unknown_type'
  | 'not_joined'
  | 'invalid_changes'
  | 'too_large'
  | 'rate_limited'
  | 'unsupported_language'
  | 'forbidden'
  | 'busy'
  | 'not_found'
  | 'unavailable'
  | 'no_question';

/** Any message may carry a `ref`; direct replies echo it. */
type Ref = { ref?: string | number };

// ---------------------------------------------------------------- server -> client

export interface SessionStateMsg extends Ref {
  type: 'session_state';
  sessionId: string;
  participantId: string;
  resumeToken: string;
  role: Role;
  version: number;
  doc: string;
  language: string;
  title: string;
  participants: ParticipantView[];
  lastRun?: LastRun;
  running?: RunningRun;
  /** Absent from servers before the interview phases: live. */
  phase?: Phase;
  controls?: Controls;
  /** A candidate in the lobby: the names of the interviewers preparing (doc and version are absent then). */
  preparing?: string[];
  /** Interviewers only. */
  criteria?: string[];
  /** Interviewers only: their own scorecard, and everyone's once they submitted theirs. */
  scorecards?: Scorecard[];
  /** Who is in the call, with which media (absent from servers before calls). */
  calls?: Record<string, CallMedia>;
  question?: QuestionView;
  lastTestRun?: TestRun;
  testsRunning?: TestsRunning;
  /** The latest interactive run (absent or null: none yet): a joiner writes `data` and goes on. */
  terminal?: TerminalView | null;
}
export interface PhaseChangedMsg extends Ref {
  type: 'phase_changed';
  phase: Phase;
  participantId: string;
}
export interface ControlsChangedMsg extends Ref, Controls {
  type: 'controls_changed';
  participantId: string;
}
export interface ScorecardSavedMsg extends Ref {
  type: 'scorecard_saved';
  scorecard: Scorecard;
}
/** Sent to an interviewer when they first submit: every scorecard, now visible to them. */
export interface ScorecardsMsg {
  type: 'scorecards';
  scorecards: Scorecard[];
}
export interface CodeChangedMsg {
  type: 'code_changed';
  from: number;
  updates: (WireUpdate & { participantId: string })[];
}
export interface CodeUpdateRejectedMsg extends Ref {
  type: 'code_update_rejected';
  version: number;
}
export interface CursorUpdatedMsg extends Cursor {
  type: 'cursor_updated';
  participantId: string;
}
export interface LanguageChangedMsg {
  type: 'language_changed';
  participantId: string;
  language: string;
}
export interface ParticipantJoinedMsg {
  type: 'participant_joined';
  participant: ParticipantView;
}
export type LeaveReason = 'left' | 'disconnected' | 'expired';
export interface ParticipantLeftMsg {
  type: 'participant_left';
  participantId: string;
  reason: LeaveReason | string;
}
export interface RunStartedMsg {
  type: 'run_started';
  runId: string;
  participantId: string;
  language: string;
  version: number;
  /** Set on a run on the terminal (batch runs have none of these fields). */
  interactive?: boolean;
  repl?: boolean;
  cols?: number;
  rows?: number;
}
export interface RunOutputMsg {
  type: 'run_output';
  runId: string;
  stream: 'stdout' | 'stderr';
  data: string;
}
export interface RunFinishedMsg extends RunResult {
  type: 'run_finished';
}
/** What an interactive run printed: UTF-8 text, whole characters, already sanitized by roomd. */
export interface TerminalOutputMsg {
  type: 'terminal_output';
  runId: string;
  data: string;
}
/** Someone resized the (one, shared) terminal. */
export interface TerminalResizedMsg {
  type: 'terminal_resized';
  runId: string;
  participantId: string;
  cols: number;
  rows: number;
}
export interface NoteAddedMsg {
  type: 'note_added';
  noteId: string;
  participantId: string;
  text: string;
  version: number;
}
export interface ParticipantFocusMsg {
  type: 'participant_focus';
  participantId: string;
  focused: boolean;
}
/** A participant's media in the call, as `/state` and `session_state` show it. */
export interface CallMedia {
  audio: boolean;
  video: boolean;
}
/** A WebRTC description or ICE candidate, relayed unchanged between two participants. */
export interface CallSignal {
  description?: { type: 'offer' | 'answer' | 'pranswer' | 'rollback'; sdp?: string };
  candidate?: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null; usernameFragment?: string | null } | null;
}
export interface CallSignalMsg {
  type: 'call_signal';
  from: string;
  signal: CallSignal;
}
export interface CallStateChangedMsg extends Ref, CallMedia {
  type: 'call_state_changed';
  participantId: string;
  /** In the call (false: left it); audio and video are then false. */
  joined: boolean;
}
export interface QuestionLoadedMsg extends Ref {
  type: 'question_loaded';
  participantId: string;
  question: QuestionView;
}
export interface TestsStartedMsg extends TestsRunning {
  type: 'tests_started';
  participantId: string;
}
/** One test ended (not logged: `tests_finished` has them all). */
export interface TestResultMsg {
  type: 'test_result';
  runId: string;
  index: number;
  result: TestResult;
}
export interface TestsFinishedMsg extends TestRun {
  type: 'tests_finished';
}
export interface ErrorMsg extends Ref {
  type: 'error';
  code: ErrorCode | string;
  message: string;
}
export interface PongMsg extends Ref {
  type: 'pong';
}

export type ServerMessage =
  | SessionStateMsg
  | CodeChangedMsg
  | CodeUpdateRejectedMsg
  | CursorUpdatedMsg
  | LanguageChangedMsg
  | ParticipantJoinedMsg
  | ParticipantLeftMsg
  | RunStartedMsg
  | RunOutputMsg
  | RunFinishedMsg
  | TerminalOutputMsg
  | TerminalResizedMsg
  | NoteAddedMsg
  | ParticipantFocusMsg
  | CallSignalMsg
  | CallStateChangedMsg
  | QuestionLoadedMsg
  | TestsStartedMsg
  | TestResultMsg
  | TestsFinishedMsg
  | ErrorMsg
  | PongMsg
  | PhaseChangedMsg
  | ControlsChangedMsg
  | ScorecardSavedMsg
  | ScorecardsMsg;

export type ServerMessageType = ServerMessage['type'];

const SERVER_TYPES: ReadonlySet<string> = new Set<ServerMessageType>([
  'session_state',
  'code_changed',
  'code_update_rejected',
  'cursor_updated',
  'language_changed',
  'participant_joined',
  'participant_left',
  'run_started',
  'run_output',
  'run_finished',
  'terminal_output',
  'terminal_resized',
  'note_added',
  'participant_focus',
  'call_signal',
  'call_state_changed',
  'question_loaded',
  'tests_started',
  'test_result',
  'tests_finished',
  'error',
  'pong',
  'phase_changed',
  'controls_changed',
  'scorecard_saved',
  'scorecards',
]);

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One WebSocket text frame to a server message, or null when it is not JSON, not an object, or of a
 * type this client does not know (newer servers may add types: those are ignored, not errors).
 * The fields are trusted to match the type: roomd builds every message from typed state.
 */
export function parseServerMessage(text: string): ServerMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(v) || typeof v.type !== 'string' || !SERVER_TYPES.has(v.type)) return null;
  if (v.type === 'code_changed' && (typeof v.from !== 'number' || !Array.isArray(v.updates))) return null;
  return v as unknown as ServerMessage;
}

// ---------------------------------------------------------------- client -> server

export interface JoinSessionMsg extends Ref {
  type: 'join_session';
  name: string;
  role: Role;
  key?: string;
  resumeToken?: string;
  version?: number;
}
export interface CodeUpdateMsg extends Ref {
  type: 'code_update';
  version: number;
  updates: WireUpdate[];
}
export interface PullMsg extends Ref {
  type: 'pull';
  version: number;
}
export interface CursorUpdateMsg extends Ref, Cursor {
  type: 'cursor_update';
}
export interface LanguageChangeMsg extends Ref {
  type: 'language_change';
  language: string;
}
/** A batch run (with `stdin`) or, with `interactive`, a run on the shared terminal (no stdin then). */
export type RunCodeMsg = Ref & { type: 'run_code' } & ({ stdin?: string; interactive?: false } | { interactive: true; cols?: number; rows?: number });
/** The interpreter of the room's language (or `language`) on the shared terminal. */
export interface StartReplMsg extends Ref {
  type: 'start_repl';
  language?: string;
  cols?: number;
  rows?: number;
}
/** Keystrokes for the interactive run: 1..4096 bytes of xterm's onData. */
export interface TerminalInputMsg extends Ref {
  type: 'terminal_input';
  runId: string;
  data: string;
}
/** cols 2..500, rows 1..200: the size for everyone. */
export interface TerminalResizeMsg extends Ref {
  type: 'terminal_resize';
  runId: string;
  cols: number;
  rows: number;
}
export interface StopRunMsg extends Ref {
  type: 'stop_run';
  runId: string;
}
export interface AddNoteMsg extends Ref {
  type: 'add_note';
  text: string;
}
export interface FocusChangeMsg extends Ref {
  type: 'focus_change';
  focused: boolean;
}
export interface PingMsg extends Ref {
  type: 'ping';
}
export interface StartInterviewMsg extends Ref {
  type: 'start_interview';
}
export interface EndInterviewMsg extends Ref {
  type: 'end_interview';
}
export interface ReopenInterviewMsg extends Ref {
  type: 'reopen_interview';
}
export interface SetControlsMsg extends Ref, Partial<Controls> {
  type: 'set_controls';
}
export interface SaveScorecardMsg extends Ref, ScorecardFields {
  type: 'save_scorecard';
}
export interface CallSignalOutMsg extends Ref {
  type: 'call_signal';
  to: string;
  signal: CallSignal;
}
export interface CallStateMsg extends Ref, CallMedia {
  type: 'call_state';
  joined: boolean;
}
export interface LoadQuestionMsg extends Ref {
  type: 'load_question';
  questionId: string;
  language?: string;
  replaceCode?: boolean;
}
export interface RunTestsMsg extends Ref {
  type: 'run_tests';
}

export type ClientMessage =
  | JoinSessionMsg
  | CodeUpdateMsg
  | PullMsg
  | CursorUpdateMsg
  | LanguageChangeMsg
  | RunCodeMsg
  | StartReplMsg
  | TerminalInputMsg
  | TerminalResizeMsg
  | StopRunMsg
  | AddNoteMsg
  | FocusChangeMsg
  | PingMsg
  | StartInterviewMsg
  | EndInterviewMsg
  | ReopenInterviewMsg
  | SetControlsMsg
  | SaveScorecardMsg
  | CallSignalOutMsg
  | CallStateMsg
  | LoadQuestionMsg
  | RunTestsMsg;

// ---------------------------------------------------------------- log events (/events)

interface EventBase {
  seq: number;
  ts: number;
  participantId?: string;
}
export interface SessionCreatedEvent extends EventBase {
  type: 'session_created';
  language: string;
  title: string;
  /** Set on a fork: where its document came from. */
  forkedFrom?: { sessionId: string; seq: number };
  /** "lobby" or "live"; absent in logs before the phases: live. */
  phase?: Phase;
}
export interface ParticipantJoinedEvent extends EventBase {
  type: 'participant_joined';
  participant: ParticipantRecord;
  resumeHash?: string;
}
export interface ParticipantLeftEvent extends EventBase {
  type: 'participant_left';
  reason: LeaveReason | string;
}
export interface CodeChangedEvent extends EventBase {
  type: 'code_changed';
  /** The version this change produced. */
  version: number;
  clientID: string;
  changes: ChangeSetJSON;
  origin?: EditOrigin;
  pasteFrom?: PasteFrom;
}
export interface CursorMovedEvent extends EventBase, Cursor {
  type: 'cursor_moved';
}
export interface LanguageChangedEvent extends EventBase {
  type: 'language_changed';
  language: string;
}
export interface RunStartedEvent extends EventBase {
  type: 'run_started';
  runId: string;
  language: string;
  version: number;
  /** A run on the terminal: its size (absent: 80x24), and whether it is the language's REPL. */
  interactive?: boolean;
  repl?: boolean;
  cols?: number;
  rows?: number;
}
export interface RunFinishedEvent extends EventBase, RunResult {
  type: 'run_finished';
}
export interface TerminalOutputEvent extends EventBase {
  type: 'terminal_output';
  runId: string;
  data: string;
}
/** Keystrokes (participantId is the typist); the fold ignores them: the output has their echo. */
export interface TerminalInputEvent extends EventBase {
  type: 'terminal_input';
  runId: string;
  data: string;
}
export interface TerminalResizedEvent extends EventBase {
  type: 'terminal_resized';
  runId: string;
  cols: number;
  rows: number;
}
export interface NoteAddedEvent extends EventBase {
  type: 'note_added';
  noteId: string;
  text: string;
  version?: number;
}
export interface FocusChangedEvent extends EventBase {
  type: 'focus_changed';
  focused: boolean;
}
export interface CallStateChangedEvent extends EventBase, CallMedia {
  type: 'call_state_changed';
  /** Absent: audio || video. */
  joined?: boolean;
}
export interface SessionExpiredEvent extends EventBase {
  type: 'session_expired';
  by?: string;
}

export interface PhaseChangedEvent extends EventBase {
  type: 'phase_changed';
  phase: Phase;
}
export interface ControlsChangedEvent extends EventBase, Controls {
  type: 'controls_changed';
}
export interface ScorecardSavedEvent extends EventBase, ScorecardFields {
  type: 'scorecard_saved';
}
/** The question as logged: every test whole (interviewer-grade data), the starter of `language`. */
export interface QuestionLoadedEvent extends EventBase, Omit<QuestionView, 'tests'> {
  type: 'question_loaded';
  tests: Required<Pick<QuestionTest, 'name' | 'hidden' | 'stdin' | 'expected'>>[];
  language?: string;
  starter?: string;
}
export interface TestsStartedEvent extends EventBase {
  type: 'tests_started';
  runId: string;
  language?: string;
  version?: number;
  total?: number;
}
export interface TestsFinishedEvent extends EventBase, Omit<TestRun, 'participantId' | 'language' | 'version'> {
  type: 'tests_finished';
}

export type LogEvent =
  | SessionCreatedEvent
  | ParticipantJoinedEvent
  | ParticipantLeftEvent
  | CodeChangedEvent
  | CursorMovedEvent
  | LanguageChangedEvent
  | RunStartedEvent
  | RunFinishedEvent
  | TerminalOutputEvent
  | TerminalInputEvent
  | TerminalResizedEvent
  | NoteAddedEvent
  | FocusChangedEvent
  | SessionExpiredEvent
  | PhaseChangedEvent
  | ControlsChangedEvent
  | ScorecardSavedEvent
  | CallStateChangedEvent
  | QuestionLoadedEvent
  | TestsStartedEvent
  | TestsFinishedEvent;

export type LogEventType = LogEvent['type'];

/**
 * One element of `/events` to a log event, or null when it has no seq, ts or type. Payload fields
 * are at the top level (docs/protocol.md); a nested `data`/`payload` object (an older export form) is
 * lifted. An event of an unknown type is kept (so seqs stay gap-free); the fold ignores it.
 */
export function asLogEvent(v: unknown): LogEvent | null {
  if (!isObject(v) || typeof v.seq !== 'number' || typeof v.ts !== 'number' || typeof v.type !== 'string') return null;
  const nested = isObject(v.data) ? v.data : isObject(v.payload) ? v.payload : null;
  const flat = nested ? { ...nested, ...v } : v;
  return flat as unknown as LogEvent;
}

// ---------------------------------------------------------------- REST answers

export interface Runtime {
  language: string;
  version: string;
  aliases?: string[];
  /** The language has an interpreter for start_repl (absent from servers before terminals). */
  repl?: boolean;
}

/** `POST /api/sessions` and `POST /api/sessions/<id>/fork`. */
export interface CreatedSession {
  sessionId: string;
  interviewerKey: string;
  language: string;
  title?: string;
  createdAt: number;
  joinUrl: string;
  interviewerUrl: string;
  replayUrl: string;
  forkedFrom?: { sessionId: string; seq: number };
}

/** `GET /api/sessions/<id>`. */
export interface SessionInfo {
  sessionId: string;
  language: string;
  title?: string;
  createdAt: number;
  lastActivityAt: number;
  expiresAt: number;
  version: number;
  participants: ParticipantView[];
}

/** `GET /api/sessions/<id>/events`. */
export interface EventsPage {
  events: unknown[];
  next: number | null;
}

/** `GET /api/sessions/<id>/state?seq=n`: the fold of events 1..n. */
export interface StateAt {
  seq: number;
  version: number;
  doc: string;
  language: string;
  title?: string;
  ts?: number;
  participants: ParticipantRecord[];
  /** As last logged, per participant. */
  cursors: Record<string, Cursor>;
  lastRun: LastRun | null;
  phase?: Phase;
  controls?: Controls;
  /** Who is in the call as of this event. */
  calls?: Record<string, CallMedia>;
  /** The question_loaded payload (whole: /state is interviewer-only); null when none. */
  question: Omit<QuestionLoadedEvent, 'seq' | 'ts' | 'type' | 'participantId'> | null;
  lastTestRun: TestRun | null;
  testsRunning: TestsRunning | null;
  /** The latest interactive run as of this event; null before the first. */
  terminal: TerminalView | null;
}

/** `GET /api/sessions/<id>/scorecards` (interviewer key or admin token). */
export interface ScorecardsPage {
  criteria: string[];
  scorecards: Scorecard[];
}

/** `GET /api/ice-servers`: RTCConfiguration.iceServers, TURN credentials valid until `expiresAt`. */
export interface IceServersAnswer {
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  expiresAt?: number;
  /** The question_loaded payload (whole: /state is interviewer-only); null when none. */
  question: Omit<QuestionLoadedEvent, 'seq' | 'ts' | 'type' | 'participantId'> | null;
  lastTestRun: TestRun | null;
  testsRunning: TestsRunning | null;
}

/** A `GET /api/questions` row. */
export interface QuestionRow {
  questionId: string;
  title: string;
  tags: string[];
  difficulty: string;
  languages: string[];
  tests: number;
}

/** Every error answer: `{"error","message"}`. */
export interface ApiErrorBody {
  error: string;
  message: string;
}
