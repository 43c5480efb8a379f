// Rendering of one run's result (shared by the room and the replay).
import { h, formatDuration } from './dom';
import { languageLabel } from './languages';
import type { RunView } from './run-result';

export { finishedFields, type RunView } from './run-result';

export function renderOutput(run: RunView): HTMLElement {
  const status: Node[] = [];
  if (run.running) {
    status.push(h('span', { class: 'run-status running' }, h('span', { class: 'mini-spinner' }), 'Running…'));
  } else {
    const ok = run.exitCode === 0 && !run.timedOut && !run.signal;
    status.push(
      h(
        'span',
        { class: `run-status ${ok ? 'ok' : 'fail'}`, id: 'run-exit' },
        run.timedOut ? 'Timed out' : run.signal ? `Killed (${run.signal})` : `Exit code ${run.exitCode ?? '?'}`,
      ),
    );
    if (run.durationMs !== undefined) status.push(h('span', { class: 'muted' }, formatDuration(run.durationMs)));
    if (run.truncated) status.push(h('span', { class: 'tag tag-away' }, 'output truncated'));
  }
  const meta = h(
    'div',
    { class: 'run-meta' },
    status,
    h('span', { class: 'muted' }, `${languageLabel(run.language)}${run.version !== undefined && run.version !== null ? ` · document v${run.version}` : ''} · run by ${run.by}`),
  );
  const blocks: Node[] = [meta];
  if (run.compileOutput) blocks.push(h('div', { class: 'stream-label' }, 'Compiler'), h('pre', { class: 'stream compile' }, run.compileOutput));
  if (run.stdout) blocks.push(h('pre', { class: 'stream stdout', id: 'run-stdout' }, run.stdout));
  if (run.stderr) blocks.push(h('div', { class: 'stream-label' }, 'stderr'), h('pre', { class: 'stream stderr', id: 'run-stderr' }, run.stderr));
  if (run.interactive && !run.stdout && !run.stderr) blocks.push(h('div', { class: 'muted empty' }, '(ran in the terminal: its output is there)'));
  else if (!run.running && !run.stdout && !run.stderr && !run.compileOutput) blocks.push(h('div', { class: 'muted empty' }, '(no output)'));
  return h('div', { class: 'run', 'data-run': run.runId, 'data-running': String(run.running) }, blocks);
}
