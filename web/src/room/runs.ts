// Running the code: the Run button (enabled only when the language has a runtime and nothing runs),
// run_started / run_output / run_finished, and the last run shown to a late joiner.
import { h, clear, toast } from '../dom';
import { languageLabel } from '../languages';
import { finishedFields, renderOutput, type RunView } from '../output';
import type { LastRun, RunFinishedMsg, RunOutputMsg, RunStartedMsg, Runtime } from '../protocol';
import type { RoomContext } from './context';

export class Runs {
  private run: RunView | null = null;
  private runs = new Map<string, RunView>();
  private requested = false;
  private requestTimer: number | undefined;

  constructor(
    private ctx: RoomContext,
    private runtimes: Runtime[],
    /** "Ann", "Ann (you)" or "someone". */
    private personName: (pid: string | undefined) => string,
    /** The shared terminal runs something (or is starting to): one run at a time per room. */
    private otherBusy: () => boolean = () => false,
  ) {}

  /** A batch run is in progress or requested. */
  get busy(): boolean {
    return (!!this.run && this.run.running) || this.requested;
  }

  private canRun(): { ok: boolean; why?: string } {
    if (this.runtimes.length === 0) return { ok: false, why: 'No runtimes are configured on this server, so code cannot be run.' };
    const lang = this.ctx.language;
    if (!this.runtimes.some((r) => r.language === lang || (r.aliases ?? []).includes(lang)))
      return { ok: false, why: `${languageLabel(lang)} cannot be run here. Pick a language with a runtime.` };
    if (this.ctx.runBlocked) return { ok: false, why: this.ctx.runBlocked };
    if (this.busy || this.otherBusy()) return { ok: false, why: 'A run is in progress.' };
    if (!this.ctx.joined) return { ok: false, why: 'Not connected.' };
    return { ok: true };
  }

  updateButton() {
    const { ok, why } = this.canRun();
    const { runBtn, output } = this.ctx.els;
    runBtn.disabled = !ok;
    runBtn.title = ok ? 'Run (Ctrl/Cmd+Enter)' : (why ?? '');
    runBtn.textContent = (this.run && this.run.running) || this.requested ? 'Running…' : '▶ Run';
    if (this.runtimes.length === 0 && !output.querySelector('.no-runtimes')) {
      output.prepend(h('div', { class: 'no-runtimes', id: 'no-runtimes' }, 'No runtimes are configured on this server, so code cannot be run. Editing and replay still work.'));
    }
  }

  runCode() {
    const { ok, why } = this.canRun();
    if (!ok) {
      if (why) toast(why, 'error', 3000);
      return;
    }
    if (!this.ctx.socket.send({ type: 'run_code', stdin: this.ctx.els.stdin.value })) return;
    // Until run_started (or an error) arrives, a second click must not start a second run.
    this.requested = true;
    window.clearTimeout(this.requestTimer);
    this.requestTimer = window.setTimeout(() => {
      this.requested = false;
      this.updateButton();
    }, 5000);
    this.updateButton();
  }

  /** The server refused the run (busy, unsupported language, rate limited). */
  refused() {
    this.requested = false;
    this.updateButton();
  }

  started(m: RunStartedMsg) {
    this.requested = false;
    window.clearTimeout(this.requestTimer);
    const run: RunView = {
      runId: m.runId,
      by: this.personName(m.participantId),
      language: m.language ?? this.ctx.language,
      version: m.version,
      running: true,
      stdout: '',
      stderr: '',
      startedAt: Date.now(),
    };
    this.runs.set(m.runId, run);
    this.run = run;
    this.render();
  }

  output(m: RunOutputMsg) {
    const run = this.runs.get(m.runId);
    if (!run || !run.running) return;
    if (m.stream === 'stderr') run.stderr += m.data ?? '';
    else run.stdout += m.data ?? '';
    this.render();
  }

  finished(m: RunFinishedMsg) {
    let run = this.runs.get(m.runId);
    if (!run) {
      run = { runId: m.runId, by: 'someone', language: this.ctx.language, running: false, stdout: '', stderr: '', startedAt: Date.now() };
      this.runs.set(m.runId, run);
    }
    // The whole (capped) output replaces what was streamed.
    Object.assign(run, finishedFields(m));
    if (this.run === run || !this.run || !this.run.running) this.run = run;
    this.render();
  }

  /** session_state's lastRun, unless this page already shows a run (or it ran on the terminal). */
  showLast(r: LastRun) {
    if (this.run || r.interactive) return;
    this.run = {
      runId: r.runId ?? 'last',
      by: this.personName(r.participantId),
      language: r.language ?? this.ctx.language,
      version: r.version,
      ...finishedFields(r),
      startedAt: Date.now(),
    };
    this.render();
  }

  private render() {
    const out = this.ctx.els.output;
    clear(out);
    if (this.runtimes.length === 0) out.appendChild(h('div', { class: 'no-runtimes', id: 'no-runtimes' }, 'No runtimes are configured on this server.'));
    if (this.run) out.appendChild(renderOutput(this.run));
    this.updateButton();
  }
}
