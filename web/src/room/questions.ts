// The question panel: the loaded question (statement rendered by the strict Markdown renderer, the
// visible tests; hidden ones only by name: the server never sends a candidate more), the
// interviewer's "Load question" and "Insert starter code", the "Run tests" button
// (Ctrl/Cmd+Shift+Enter) and the results as they arrive, with a summary "7/9 passed".
import { h, clear, toast } from '../dom';
import { listQuestions } from '../api';
import { languageLabel } from '../languages';
import { renderMarkdown } from '../markdown';
import { renderTestResults } from '../test-results';
import type { QuestionRow, QuestionView, TestResult, TestRun, TestResultMsg, TestsStartedMsg } from '../protocol';
import type { RoomContext } from './context';

export class QuestionPanel {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private results: HTMLElement;
  private runBtn: HTMLButtonElement;
  private starterBtn: HTMLButtonElement | null = null;
  private question: QuestionView | null = null;
  private running: { runId: string; results: (TestResult | undefined)[]; total: number } | null = null;
  private requested = false;

  constructor(
    private ctx: RoomContext,
    private personName: (pid: string | undefined) => string,
  ) {
    this.body = h('div', { class: 'question-body', id: 'question-body' }, h('p', { class: 'muted small' }, 'No question is loaded.'));
    this.results = h('div', { class: 'test-results', id: 'test-results', 'aria-live': 'polite' });
    this.runBtn = h('button', { class: 'btn btn-small btn-run', id: 'run-tests', title: 'Run tests (Ctrl/Cmd+Shift+Enter)' }, '✓ Run tests');
    this.runBtn.addEventListener('click', () => this.runTests());
    const controls: Node[] = [this.runBtn];
    if (ctx.role === 'interviewer') {
      const load = h('button', { class: 'btn btn-small', id: 'load-question' }, 'Load question');
      load.addEventListener('click', () => void this.openPicker());
      this.starterBtn = h('button', { class: 'btn btn-small', id: 'insert-starter', title: 'Replace the document with the starter code' }, 'Insert starter code');
      this.starterBtn.addEventListener('click', () => this.insertStarter());
      controls.unshift(load, this.starterBtn);
    }
    this.el = h('section', { class: 'card question-card', id: 'question-panel' }, h('h2', {}, 'Question'), h('div', { class: 'row' }, ...controls), this.body, this.results);
    this.updateButtons();
  }

  // ---------------------------------------------------------------- from the server

  /** session_state: the question, the last test run and the one in progress. */
  joined(q: QuestionView | undefined, last: TestRun | undefined, running: { runId: string; total?: number } | undefined) {
    this.show(q ?? null);
    this.running = running ? { runId: running.runId, results: [], total: running.total ?? 0 } : null;
    if (last && !running) this.renderRun(last.results, last.passed, last.total, false, last.participantId);
    else this.renderRunning();
  }

  loaded(q: QuestionView, by: string) {
    this.show(q);
    if (by !== this.ctx.participantId) toast(`${this.personName(by)} loaded the question “${q.title}”`, 'info', 3000);
  }

  started(m: TestsStartedMsg) {
    this.requested = false;
    this.running = { runId: m.runId, results: [], total: m.total ?? this.question?.tests.length ?? 0 };
    this.renderRunning();
  }

  result(m: TestResultMsg) {
    if (!this.running || this.running.runId !== m.runId) return;
    this.running.results[m.index] = m.result;
    this.renderRunning();
  }

  finished(m: TestRun) {
    this.running = null;
    this.requested = false;
    this.renderRun(m.results, m.passed, m.total, false, m.participantId);
  }

  refused() {
    this.requested = false;
    this.updateButtons();
  }

  // ---------------------------------------------------------------- actions

  runTests() {
    if (!this.question) return toast('No question is loaded: an interviewer loads one first.', 'error', 3000);
    if (this.running || this.requested) return;
    if (this.ctx.socket.send({ type: 'run_tests' })) {
      this.requested = true;
      this.updateButtons();
    }
  }

  private insertStarter() {
    if (!this.question) return;
    if (!this.question.languages[this.ctx.language] && !Object.keys(this.question.languages).length) return;
    const language = this.question.languages[this.ctx.language] ? this.ctx.language : Object.keys(this.question.languages)[0];
    this.ctx.socket.send({ type: 'load_question', questionId: this.question.questionId, language, replaceCode: true });
  }

  private async openPicker() {
    if (!this.ctx.key) return;
    let rows: QuestionRow[];
    try {
      rows = await listQuestions(this.ctx.key, this.ctx.sessionId);
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'error');
      return;
    }
    const dialog = questionPicker(rows, (row, starter) => {
      this.ctx.socket.send({ type: 'load_question', questionId: row.questionId, replaceCode: starter, ...(starter && row.languages.includes(this.ctx.language) ? {} : starter ? { language: row.languages[0] } : {}) });
      dialog.remove();
    });
    document.body.appendChild(dialog);
    (dialog.querySelector('input') as HTMLInputElement | null)?.focus();
  }

  // ---------------------------------------------------------------- rendering

  private show(q: QuestionView | null) {
    this.question = q;
    clear(this.body);
    if (!q) {
      this.body.appendChild(h('p', { class: 'muted small' }, this.ctx.role === 'interviewer' ? 'No question is loaded. Load one from the library.' : 'No question is loaded.'));
      this.updateButtons();
      return;
    }
    const statement = h('div', { class: 'statement', id: 'question-statement' });
    statement.appendChild(renderMarkdown(q.statement));
    const tests = h('ul', { class: 'tests', id: 'question-tests' });
    for (const t of q.tests) {
      if (t.hidden && t.stdin === undefined) {
        // A candidate's view: the server sent the name only.
        tests.appendChild(h('li', { class: 'test test-hidden', 'data-name': t.name }, h('strong', {}, t.name), ' ', h('span', { class: 'muted small' }, '(hidden)')));
      } else {
        tests.appendChild(
          h(
            'li',
            { class: `test ${t.hidden ? 'test-hidden' : 'test-visible'}`, 'data-name': t.name },
            h('strong', {}, t.name),
            t.hidden ? h('span', { class: 'muted small' }, ' (hidden from the candidate)') : null,
            h('div', { class: 'test-io' }, h('div', {}, h('div', { class: 'panel-label' }, 'stdin'), h('pre', {}, t.stdin ?? '')), h('div', {}, h('div', { class: 'panel-label' }, 'expected'), h('pre', {}, t.expected ?? ''))),
          ),
        );
      }
    }
    this.body.append(
      h('h3', { class: 'question-title', id: 'question-title' }, q.title, q.difficulty ? h('span', { class: `badge badge-${q.difficulty}` }, q.difficulty) : null),
      statement,
      h('div', { class: 'panel-label' }, `Tests (${q.tests.length})`),
      tests,
    );
    this.updateButtons();
  }

  private renderRunning() {
    if (!this.running) return this.updateButtons();
    const got = this.running.results.filter((r): r is TestResult => !!r);
    const passed = got.filter((r) => r.passed).length;
    this.renderRun(this.running.results, passed, this.running.total, true);
  }

  private renderRun(results: (TestResult | undefined)[], passed: number, total: number, running: boolean, by?: string) {
    clear(this.results);
    this.results.appendChild(renderTestResults(results, passed, total, running, by ? this.personName(by) : undefined));
    this.updateButtons();
  }

  updateButtons() {
    const busy = !!this.running || this.requested;
    this.runBtn.disabled = !this.question || busy || !this.ctx.joined;
    this.runBtn.textContent = busy ? 'Running tests…' : '✓ Run tests';
    if (this.starterBtn) this.starterBtn.disabled = !this.question || !this.ctx.joined;
  }
}

/** The interviewer's picker: search by title or tag, filter by difficulty and language. */
export function questionPicker(rows: QuestionRow[], choose: (row: QuestionRow, starter: boolean) => void, opts: { withStarterToggle?: boolean } = { withStarterToggle: true }): HTMLElement {
  const search = h('input', { class: 'input', id: 'question-search', placeholder: 'Search title or tag' }) as HTMLInputElement;
  const difficulty = h('select', { class: 'select', id: 'question-difficulty', 'aria-label': 'Difficulty' }, ...['', 'easy', 'medium', 'hard'].map((d) => h('option', { value: d }, d || 'Any difficulty')));
  const languages = [...new Set(rows.flatMap((r) => r.languages))].sort();
  const language = h('select', { class: 'select', id: 'question-language', 'aria-label': 'Language' }, h('option', { value: '' }, 'Any language'), ...languages.map((l) => h('option', { value: l }, languageLabel(l))));
  const starter = h('input', { type: 'checkbox', id: 'question-starter', checked: true }) as HTMLInputElement;
  const list = h('ul', { class: 'question-list', id: 'question-list' });
  const render = () => {
    clear(list);
    const q = search.value.trim().toLowerCase();
    const shown = rows.filter(
      (r) =>
        (!q || r.title.toLowerCase().includes(q) || r.tags.some((t) => t.toLowerCase().includes(q))) &&
        (!difficulty.value || r.difficulty === difficulty.value) &&
        (!language.value || r.languages.includes(language.value)),
    );
    if (!shown.length) list.appendChild(h('li', { class: 'muted small' }, rows.length ? 'No question matches.' : 'The question library is empty.'));
    for (const r of shown) {
      const b = h('button', { class: 'btn btn-small btn-primary', 'data-question': r.questionId }, 'Choose');
      b.addEventListener('click', () => choose(r, starter.checked));
      list.appendChild(h('li', { class: 'question-row' }, h('strong', {}, r.title), ' ', h('span', { class: `badge badge-${r.difficulty}` }, r.difficulty), h('span', { class: 'muted small' }, ` ${r.tags.join(', ')} · ${r.tests} tests`), b));
    }
  };
  for (const el of [search, difficulty, language]) el.addEventListener('input', render);
  render();
  const close = h('button', { class: 'btn btn-small', id: 'question-picker-close' }, '✕');
  const dialog = h(
    'div',
    { class: 'modal', id: 'question-picker', role: 'dialog', 'aria-label': 'Choose a question' },
    h(
      'div',
      { class: 'card modal-card' },
      h('div', { class: 'row' }, h('h2', {}, 'Choose a question'), h('div', { class: 'spacer' }), close),
      h('div', { class: 'row' }, search, difficulty, language),
      opts.withStarterToggle ? h('label', { class: 'field-inline' }, starter, h('span', {}, 'Insert the starter code')) : null,
      list,
    ),
  );
  close.addEventListener('click', () => dialog.remove());
  return dialog;
}
