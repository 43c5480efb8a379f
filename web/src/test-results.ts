// A test run's results as the room and the replay show them: "7/9 passed", then one row per test
// (pass/fail, time, timed out) and, for a failed test, expected against actual output when the
// result has them: a candidate's hidden results carry no output (the server strips it).
import { h } from './dom';
import type { TestResult } from './protocol';

export function renderTestResults(results: (TestResult | undefined)[], passed: number, total: number, running: boolean, by?: string): HTMLElement {
  const host = h('div', { class: 'test-run' });
  const summary = h('div', { class: `test-summary ${passed === total && !running ? 'ok' : ''}`, id: 'test-summary' }, running ? `Running tests… ${passed}/${total} passed so far` : `${passed}/${total} passed`);
  if (by && !running) summary.append(h('span', { class: 'muted small' }, ` (run by ${by})`));
  host.appendChild(summary);
  const list = h('ul', { class: 'test-result-list' });
  for (const r of results) {
    if (!r) continue;
    const row = h(
      'li',
      { class: `test-result ${r.passed ? 'passed' : 'failed'}`, 'data-name': r.name },
      h('span', { class: 'mark' }, r.passed ? '✓' : '✗'),
      ' ',
      h('strong', {}, r.name),
      r.hidden ? h('span', { class: 'muted small' }, ' (hidden)') : null,
      h('span', { class: 'muted small' }, ` ${r.durationMs} ms${r.timedOut ? ', timed out' : ''}`),
    );
    if (!r.passed && (r.stdout !== undefined || r.expected !== undefined)) {
      row.appendChild(
        h('div', { class: 'test-io diff' }, h('div', {}, h('div', { class: 'panel-label' }, 'expected'), h('pre', {}, r.expected ?? '')), h('div', {}, h('div', { class: 'panel-label' }, 'actual'), h('pre', {}, r.stdout ?? ''))),
      );
      if (r.stderr) row.appendChild(h('pre', { class: 'stderr' }, r.stderr));
      if (r.error) row.appendChild(h('div', { class: 'muted small' }, r.error));
    }
    list.appendChild(row);
  }
  host.appendChild(list);
  return host;
}
