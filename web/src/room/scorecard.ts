// The scorecard panel (interviewers only: never built for a candidate, and the server never sends a
// candidate a scorecard). Ratings 1-4 per criterion, a recommendation, comments that can be pinned to
// the current moment; saved as you type (debounced) and submitted explicitly. Other interviewers'
// scorecards arrive only once ours is submitted (the server decides; this shows what it sends).
import { h, clear, toast } from '../dom';
import { getLatestState } from '../api';
import type { Recommendation, Scorecard, ScorecardComment, ScorecardSavedMsg, ScorecardsMsg, SessionStateMsg } from '../protocol';
import type { RoomContext } from './context';

const SAVE_DELAY_MS = 800;
const DEFAULT_CRITERIA = ['problem solving', 'code quality', 'communication', 'testing'];
const RECOMMENDATIONS: [Recommendation, string][] = [
  ['strong_no', 'Strong no'],
  ['no', 'No'],
  ['yes', 'Yes'],
  ['strong_yes', 'Strong yes'],
];

export class ScorecardPanel {
  private criteria = DEFAULT_CRITERIA;
  private ratings: Record<string, number> = {};
  private recommendation: Recommendation | undefined;
  private comments: ScorecardComment[] = [];
  private submitted = false;
  private others = new Map<string, Scorecard>();
  private saveTimer: number | undefined;
  private card: HTMLElement;
  private ratingsEl: HTMLElement;
  private recSelect: HTMLSelectElement;
  private commentsEl: HTMLElement;
  private commentInput: HTMLTextAreaElement;
  private pinBox: HTMLInputElement;
  private submitBtn: HTMLButtonElement;
  private statusEl: HTMLElement;
  private othersEl: HTMLElement;

  constructor(private ctx: RoomContext) {
    this.ratingsEl = h('div', { class: 'ratings', id: 'scorecard-ratings' });
    this.recSelect = h('select', { class: 'select', id: 'scorecard-recommendation', 'aria-label': 'Recommendation' });
    this.recSelect.appendChild(h('option', { value: '' }, 'Recommendation…'));
    for (const [v, label] of RECOMMENDATIONS) this.recSelect.appendChild(h('option', { value: v }, label));
    this.recSelect.addEventListener('change', () => {
      this.recommendation = (this.recSelect.value || undefined) as Recommendation | undefined;
      this.scheduleSave();
    });
    this.commentsEl = h('ul', { class: 'comments', id: 'scorecard-comments' });
    this.commentInput = h('textarea', { class: 'note-input', id: 'scorecard-comment', rows: 2, placeholder: 'Comment (only interviewers see it)…' });
    this.pinBox = h('input', { type: 'checkbox', id: 'scorecard-pin', checked: true });
    const addBtn = h('button', { class: 'btn btn-small', id: 'scorecard-add-comment' }, 'Add comment');
    addBtn.addEventListener('click', () => void this.addComment());
    this.submitBtn = h('button', { class: 'btn btn-small btn-primary', id: 'scorecard-submit' }, 'Submit scorecard');
    this.submitBtn.addEventListener('click', () => {
      this.submitted = true;
      this.save();
    });
    this.statusEl = h('span', { class: 'muted small', id: 'scorecard-status' }, 'Not saved yet');
    this.othersEl = h('div', { class: 'others', id: 'scorecard-others' });
    this.card = h(
      'section',
      { class: 'card scorecard-card', id: 'scorecard' },
      h('h2', {}, 'Scorecard ', h('span', { class: 'lock', title: 'Never shown to the candidate' }, 'interviewers only')),
      this.ratingsEl,
      this.recSelect,
      this.commentsEl,
      this.commentInput,
      h('div', { class: 'row' }, h('label', { class: 'field-inline small' }, this.pinBox, 'Pin to this moment'), addBtn),
      h('div', { class: 'row' }, this.submitBtn, this.statusEl),
      this.othersEl,
    );
    this.render();
  }

  mount(side: HTMLElement) {
    side.appendChild(this.card);
  }

  sessionState(m: SessionStateMsg) {
    if (m.criteria?.length) this.criteria = m.criteria;
    for (const s of m.scorecards ?? []) this.take(s);
    this.render();
  }

  saved(m: ScorecardSavedMsg) {
    this.take(m.scorecard);
    if (m.scorecard.participantId === this.ctx.participantId) this.statusEl.textContent = m.scorecard.submitted ? 'Submitted' : 'Saved';
    this.render();
  }

  revealed(m: ScorecardsMsg) {
    for (const s of m.scorecards) this.take(s);
    this.render();
  }

  private take(s: Scorecard) {
    if (s.participantId !== this.ctx.participantId) {
      this.others.set(s.participantId, s);
      return;
    }
    // Our own, as the server has it (a reload, or another tab of ours): unless we are mid-edit.
    if (this.saveTimer !== undefined) return;
    this.ratings = { ...s.ratings };
    this.recommendation = s.recommendation;
    this.comments = [...s.comments];
    this.submitted = s.submitted;
  }

  private async addComment() {
    const text = this.commentInput.value.trim();
    if (!text) return;
    const comment: ScorecardComment = { text };
    if (this.pinBox.checked && this.ctx.key) {
      try {
        comment.seq = (await getLatestState(this.ctx.sessionId, this.ctx.key)).seq;
      } catch {
        toast('Could not read the current moment: the comment is not pinned.', 'error');
      }
    }
    this.comments.push(comment);
    this.commentInput.value = '';
    this.render();
    this.scheduleSave();
  }

  private scheduleSave() {
    this.statusEl.textContent = 'Editing…';
    window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.save(), SAVE_DELAY_MS);
  }

  private save() {
    window.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const sent = this.ctx.socket.send({
      type: 'save_scorecard',
      ratings: this.ratings,
      ...(this.recommendation ? { recommendation: this.recommendation } : {}),
      comments: this.comments,
      submitted: this.submitted,
    });
    this.statusEl.textContent = sent ? 'Saving…' : 'Not connected: not saved';
    this.render();
  }

  private render() {
    clear(this.ratingsEl);
    for (const c of this.criteria) {
      const buttons = [1, 2, 3, 4].map((n) => {
        const b = h('button', { class: `btn btn-small${this.ratings[c] === n ? ' on' : ''}`, 'data-criterion': c, 'data-rating': n, title: `${c}: ${n}` }, String(n));
        b.addEventListener('click', () => {
          this.ratings = { ...this.ratings, [c]: n };
          this.render();
          this.scheduleSave();
        });
        return b;
      });
      this.ratingsEl.appendChild(h('div', { class: 'criterion' }, h('span', {}, c), h('span', { class: 'rating' }, buttons)));
    }
    this.recSelect.value = this.recommendation ?? '';
    clear(this.commentsEl);
    for (const c of this.comments) this.commentsEl.appendChild(h('li', {}, c.seq !== undefined ? `#${c.seq} · ` : '', c.text));
    this.submitBtn.disabled = this.submitted;
    this.submitBtn.textContent = this.submitted ? 'Submitted' : 'Submit scorecard';
    clear(this.othersEl);
    if (!this.submitted) {
      this.othersEl.appendChild(h('p', { class: 'muted' }, "Other interviewers' scorecards show once you submit yours."));
      return;
    }
    for (const s of this.others.values()) {
      const ratings = Object.entries(s.ratings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      this.othersEl.appendChild(
        h('div', { class: 'other-card', 'data-pid': s.participantId }, h('strong', {}, s.name || 'Interviewer'), ` ${s.submitted ? '(submitted)' : '(draft)'}: `, ratings, s.recommendation ? ` · ${s.recommendation}` : ''),
      );
    }
  }
}
