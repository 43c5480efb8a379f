// The interview's shape in the room: the lobby's waiting screen (candidates), Start / End / Reopen
// and the controls (interviewers), the "locked" banner, and the read-only editor when a candidate may
// not edit. The server enforces every rule (domain::allowed); this only shows them.
import { h, clear, toast } from '../dom';
import type { ClientMessage, Controls, ControlsChangedMsg, Phase, PhaseChangedMsg, SessionStateMsg } from '../protocol';
import type { RoomContext } from './context';

export interface InterviewHooks {
  /** The editor must (not) accept local edits. */
  setReadOnly(readOnly: boolean): void;
  /** Runs became allowed or not: redraw the Run button. */
  runsChanged(): void;
  /** Who is this participant id (for toasts). */
  nameOf(pid: string | undefined): string | undefined;
}

const PHASE_TEXT: Record<Phase, string> = { lobby: 'In the lobby: the candidate waits', live: 'Live', ended: 'Ended' };

export class Interview {
  phase: Phase = 'live';
  controls: Controls = { editorLocked: false, runDisabled: false };
  private banner: HTMLElement;
  private waiting: HTMLElement | null = null;
  private phaseText?: HTMLElement;
  private startBtn?: HTMLButtonElement;
  private endBtn?: HTMLButtonElement;
  private reopenBtn?: HTMLButtonElement;
  private replayLink?: HTMLElement;
  private lockBox?: HTMLInputElement;
  private runBox?: HTMLInputElement;

  constructor(
    private ctx: RoomContext,
    private hooks: InterviewHooks,
  ) {
    this.banner = h('div', { class: 'banner banner-locked hidden', id: 'interview-banner', role: 'status' });
  }

  /** Adds the banner above the editor and, for interviewers, the "Interview" card to the side. */
  mount(side: HTMLElement) {
    this.ctx.els.editorHost.before(this.banner);
    if (this.ctx.role !== 'interviewer') return;
    const send = (msg: ClientMessage) => {
      if (!this.ctx.socket.send(msg)) toast('Not connected.', 'error');
    };
    this.phaseText = h('span', { id: 'phase-text', class: 'muted small' });
    this.startBtn = h('button', { class: 'btn btn-small btn-primary', id: 'start-interview' }, 'Start interview');
    this.endBtn = h('button', { class: 'btn btn-small', id: 'end-interview' }, 'End interview');
    this.reopenBtn = h('button', { class: 'btn btn-small', id: 'reopen-interview' }, 'Reopen');
    this.startBtn.addEventListener('click', () => send({ type: 'start_interview' }));
    this.endBtn.addEventListener('click', () => send({ type: 'end_interview' }));
    this.reopenBtn.addEventListener('click', () => send({ type: 'reopen_interview' }));
    this.lockBox = h('input', { type: 'checkbox', id: 'lock-editor' });
    this.runBox = h('input', { type: 'checkbox', id: 'disable-runs' });
    this.lockBox.addEventListener('change', () => send({ type: 'set_controls', editorLocked: this.lockBox!.checked }));
    this.runBox.addEventListener('change', () => send({ type: 'set_controls', runDisabled: this.runBox!.checked }));
    this.replayLink = h(
      'a',
      { class: 'btn btn-small hidden', id: 'ended-replay', href: `/replay/${this.ctx.sessionId}#key=${encodeURIComponent(this.ctx.key ?? '')}`, target: '_blank', rel: 'noopener' },
      'Open the replay',
    );
    const summary = h(
      'a',
      { class: 'btn btn-small', id: 'interview-summary', href: `/replay/${this.ctx.sessionId}?view=summary#key=${encodeURIComponent(this.ctx.key ?? '')}`, target: '_blank', rel: 'noopener' },
      'Summary',
    );
    side.prepend(
      h(
        'section',
        { class: 'card interview-card', id: 'interview-card' },
        h('h2', {}, 'Interview ', this.phaseText),
        h('div', { class: 'row' }, this.startBtn, this.endBtn, this.reopenBtn, this.replayLink, summary),
        h('label', {}, this.lockBox, 'Lock the editor for candidates'),
        h('label', {}, this.runBox, 'Disable runs for candidates'),
      ),
    );
    this.render();
  }

  /** True when a candidate is waiting in the lobby: the room shows the waiting screen, no editor. */
  get waitingInLobby(): boolean {
    return this.ctx.role === 'candidate' && this.phase === 'lobby';
  }

  /** Why runs are refused to us now, or null. */
  get runBlocked(): string | null {
    if (this.ctx.role === 'interviewer') return null;
    if (this.phase === 'lobby') return 'The interview has not started yet.';
    if (this.phase === 'ended') return 'The interview has ended.';
    if (this.controls.runDisabled) return 'The interviewer has disabled runs.';
    return null;
  }

  sessionState(m: SessionStateMsg) {
    this.phase = m.phase ?? 'live';
    if (m.controls) this.controls = { ...m.controls };
    if (this.waitingInLobby) this.showWaiting(m);
    else this.hideWaiting();
    this.render();
  }

  phaseChanged(m: PhaseChangedMsg) {
    const was = this.phase;
    this.phase = m.phase;
    if (was !== m.phase && m.participantId !== this.ctx.participantId) {
      const who = this.hooks.nameOf(m.participantId) ?? 'The interviewer';
      if (m.phase === 'ended') toast(`${who} ended the interview.`, 'info', 4000);
      else if (was === 'lobby') toast('The interview has started.', 'info', 3000);
      else toast(`${who} reopened the interview.`, 'info', 3000);
    }
    // A candidate leaving the lobby gets a fresh session_state next, which replaces the waiting screen.
    this.render();
  }

  controlsChanged(m: ControlsChangedMsg) {
    this.controls = { editorLocked: m.editorLocked, runDisabled: m.runDisabled };
    this.render();
  }

  private showWaiting(m: SessionStateMsg) {
    const host = this.ctx.els.editorHost;
    this.hideWaiting();
    const who = m.preparing ?? [];
    this.waiting = h(
      'div',
      { class: 'lobby-wait', id: 'lobby-wait' },
      h('h2', {}, m.title || 'Your interview'),
      h('p', {}, 'The interview has not started yet. This page opens the editor as soon as it does.'),
      h('p', { class: 'muted', id: 'lobby-preparing' }, who.length ? `${who.join(', ')} ${who.length === 1 ? 'is' : 'are'} preparing.` : 'The interviewer is preparing.'),
    );
    host.before(this.waiting);
    host.hidden = true;
    this.ctx.els.runBtn.closest('.run-panel')?.setAttribute('hidden', '');
  }

  private hideWaiting() {
    this.waiting?.remove();
    this.waiting = null;
    this.ctx.els.editorHost.hidden = false;
    this.ctx.els.runBtn.closest('.run-panel')?.removeAttribute('hidden');
  }

  private render() {
    const candidate = this.ctx.role === 'candidate';
    const lines: string[] = [];
    if (this.phase === 'ended') lines.push(candidate ? 'The interview has ended. The editor is read-only.' : 'The interview has ended: candidates can no longer edit or run. The replay is ready.');
    else if (this.phase === 'live' || !candidate) {
      if (this.controls.editorLocked) lines.push(candidate ? 'The interviewer has locked the editor.' : 'The editor is locked for candidates.');
      if (this.controls.runDisabled) lines.push(candidate ? 'The interviewer has disabled runs.' : 'Runs are disabled for candidates.');
    }
    if (!candidate && this.phase === 'lobby') lines.unshift('Lobby: the candidate is waiting and sees nothing until you start.');
    clear(this.banner);
    this.banner.textContent = lines.join(' ');
    this.banner.classList.toggle('hidden', lines.length === 0);
    this.hooks.setReadOnly(candidate && (this.phase !== 'live' || this.controls.editorLocked));
    this.hooks.runsChanged();
    if (!this.startBtn) return;
    this.phaseText!.textContent = PHASE_TEXT[this.phase];
    this.startBtn.hidden = this.phase !== 'lobby';
    this.endBtn!.hidden = this.phase === 'ended';
    this.reopenBtn!.hidden = this.phase !== 'ended';
    this.replayLink!.classList.toggle('hidden', this.phase !== 'ended');
    this.lockBox!.checked = this.controls.editorLocked;
    this.runBox!.checked = this.controls.runDisabled;
  }
}
