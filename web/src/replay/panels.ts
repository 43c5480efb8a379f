// The side panels and the run output as of one moment: who is in the room, the run shown, the notes.
import { h, clear, initials } from '../dom';
import { renderOutput } from '../output';
import { renderTestResults } from '../test-results';
import { nameIn } from './fold';
import type { Folded } from './fold';
import type { ReplayEls } from './layout';

export interface PanelsHost {
  readonly f: Folded;
  isVisible(i: number): boolean;
  elapsed(i: number): string;
}

export class Panels {
  private runIndexCache = new Map<string, number>();

  constructor(
    private host: PanelsHost,
    private els: ReplayEls,
  ) {}

  /** Everything as of event i; `selectedRun` (a clicked run marker) wins once it has happened. */
  render(i: number, selectedRun: string | undefined) {
    this.renderPeople(i);
    this.renderRun(i, selectedRun);
    this.renderNotes(i);
  }

  private renderPeople(i: number) {
    const fr = this.host.f.frames[i];
    const people = this.els.people;
    clear(people);
    for (const p of fr.present.values()) {
      people.appendChild(
        h('li', { class: 'person' }, h('span', { class: 'avatar', style: `background:${p.color}` }, initials(p.name)), h('span', { class: 'person-name' }, p.name), h('span', { class: `role role-${p.role}` }, p.role)),
      );
    }
    if (!fr.present.size) people.appendChild(h('li', { class: 'muted small' }, 'Nobody is in the room at this moment.'));
  }

  /** Run output: the selected run if it happened by now, else the latest run as of now. */
  private renderRun(i: number, selectedRun: string | undefined) {
    const fr = this.host.f.frames[i];
    const runId = selectedRun && this.runIndex(selectedRun) <= i ? selectedRun : fr.lastRunId;
    const out = this.els.output;
    clear(out);
    const run = runId ? this.host.f.runs.get(runId) : undefined;
    if (run && runId) {
      const finishedBy = this.runIndex(runId) <= i;
      out.appendChild(renderOutput(finishedBy ? run : { ...run, running: true, stdout: '', stderr: '' }));
    } else out.appendChild(h('div', { class: 'muted empty' }, 'No code has been run by this moment.'));
    // The test results as they were at this moment (the last test run finished by now).
    const tests = fr.lastTestRun;
    if (tests) out.appendChild(h('div', { class: 'replay-tests', id: 'replay-tests' }, h('div', { class: 'panel-label' }, 'Tests'), renderTestResults(tests.results, tests.passed, tests.total, false, nameIn(this.host.f.names, tests.participantId))));
    else if (fr.testsRunning) out.appendChild(h('div', { class: 'replay-tests muted small', id: 'replay-tests' }, 'Tests are running…'));
  }

  private renderNotes(i: number) {
    const list = this.els.notes;
    clear(list);
    const byNow = this.host.f.notes.filter((n) => n.index <= i);
    const notes = byNow.filter((n) => this.host.isVisible(n.index));
    for (const n of notes) list.appendChild(h('li', { class: 'note' }, h('div', { class: 'note-meta' }, `${n.by} · ${this.host.elapsed(n.index)}`), h('div', { class: 'note-text' }, n.text)));
    const hiddenNotes = byNow.length - notes.length;
    if (hiddenNotes) list.appendChild(h('li', { class: 'muted small', id: 'notes-hidden' }, `${hiddenNotes} note${hiddenNotes > 1 ? 's' : ''} hidden by the participant filter.`));
    else if (!notes.length) list.appendChild(h('li', { class: 'muted small' }, 'No notes by this moment.'));
  }

  private runIndex(runId: string): number {
    const c = this.runIndexCache.get(runId);
    if (c !== undefined) return c;
    let found = Infinity;
    for (let i = 0; i < this.host.f.events.length; i++) {
      const e = this.host.f.events[i];
      if (e.type === 'run_finished' && String(e.runId) === runId) {
        found = i;
        break;
      }
    }
    this.runIndexCache.set(runId, found);
    return found;
  }
}
