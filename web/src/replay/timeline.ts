// The marker track under the slider and the list beside it (moments, or every event), with the
// past/current highlight and the A/B flags.
import { h, clear } from '../dom';
import type { LogEvent } from '../protocol';
import { actorOf, type Folded } from './fold';
import { buildCallBands, describe, type Marker } from './markers';
import type { ListMode } from './layout';

export interface TimelineHost {
  readonly f: Folded;
  readonly markers: Marker[];
  readonly listMode: ListMode;
  readonly markA: number | undefined;
  readonly markB: number | undefined;
  isVisible(i: number): boolean;
  elapsed(i: number): string;
  /** Click on a marker or a list row. */
  activate(index: number, e: MouseEvent, m?: Marker): void;
  /** Click on an A/B flag. */
  goTo(index: number): void;
}

export class Timeline {
  /** The list rows in index order (for the past/current highlight). */
  private rows: { index: number; el: HTMLElement }[] = [];
  private lastRowPos = -1;

  constructor(
    private host: TimelineHost,
    private track: HTMLElement,
    private list: HTMLElement,
  ) {}

  private get n() {
    return this.host.f.events.length;
  }

  private left(i: number): string {
    return `${this.n > 1 ? (i / (this.n - 1)) * 100 : 0}%`;
  }

  renderMarkers() {
    const { track, host } = this;
    clear(track);
    for (const m of host.markers) {
      const b = h('button', { class: `marker marker-${m.kind}`, style: `left:${this.left(m.index)}`, title: `${m.label}${m.detail ? `\n\n${m.detail}\n` : ''} (shift-click: compare)`, 'data-index': m.index, 'aria-label': m.label, hidden: !host.isVisible(m.index) });
      b.addEventListener('click', (e) => host.activate(m.index, e, m));
      track.appendChild(b);
    }
    // The call: one band per participant and media state, under the markers (never media).
    const bands = buildCallBands(host.f);
    const rows = [...new Set(bands.map((b) => b.participantId))];
    for (const band of bands) {
      const media = band.audio || band.video ? `${band.audio ? 'mic' : 'muted'}${band.video ? ', camera' : ''}` : 'muted, camera off';
      const width = this.n > 1 ? ((band.to - band.from) / (this.n - 1)) * 100 : 100;
      const el = h('div', {
        class: `call-band${band.audio ? ' call-band-audio' : ''}${band.video ? ' call-band-video' : ''}`,
        style: `left:${this.left(band.from)};width:max(${width}%,3px);bottom:${rows.indexOf(band.participantId) * 4}px;background:${band.color}`,
        title: `${band.name} in the call (${media})`,
        'data-pid': band.participantId,
        'data-from': band.from,
        'data-to': band.to,
      });
      track.appendChild(el);
    }
    for (const which of ['a', 'b'] as const) {
      const idx = which === 'a' ? host.markA : host.markB;
      if (idx === undefined) continue;
      const flag = h('button', { class: `ab-flag ab-${which}`, id: `flag-${which}`, style: `left:${this.left(idx)}`, title: `Moment ${which.toUpperCase()}: event ${host.f.events[idx].seq} (click to go there)` }, which.toUpperCase());
      flag.addEventListener('click', () => host.goTo(idx));
      track.appendChild(flag);
    }
    this.renderList();
  }

  renderList() {
    const { list, host } = this;
    clear(list);
    this.rows = [];
    const add = (index: number, kind: string, label: string, m?: Marker) => {
      const pid = actorOf(host.f.events[index]);
      const li = h(
        'li',
        { class: `ml ml-${kind}`, 'data-index': index, 'data-pid': pid ?? '', hidden: !host.isVisible(index), title: 'Click: go there · shift-click: set A / B' },
        h('span', { class: `dot marker-${kind}` }),
        h('span', { class: 'ml-time mono' }, host.elapsed(index)),
        h('span', { class: 'ml-label' }, label),
      );
      li.addEventListener('click', (e) => host.activate(index, e, m));
      list.appendChild(li);
      this.rows.push({ index, el: li });
    };
    if (host.listMode === 'moments') for (const m of host.markers) add(m.index, m.kind, m.label, m);
    else
      host.f.events.forEach((e: LogEvent, i) => add(i, `ev-${e.type}`, `#${e.seq} ${describe(e, host.f)}`));
    this.lastRowPos = -1;
  }

  /** Hide the markers and rows of hidden participants. */
  applyFilter() {
    for (const el of this.track.querySelectorAll<HTMLElement>('.marker')) el.hidden = !this.host.isVisible(Number(el.dataset.index));
    for (const r of this.rows) r.el.hidden = !this.host.isVisible(r.index);
  }

  /** Mark rows up to position i as past and the row at i (or the last before it) as current. */
  updateRows(i: number) {
    const prev = this.lastRowPos;
    // Rows are in index order: only those between the previous and the new position change.
    const lo = prev < 0 ? -1 : Math.min(prev, i);
    const hi = prev < 0 ? Infinity : Math.max(prev, i);
    let k = 0;
    for (let a = 0, b = this.rows.length; a < b; ) {
      const m = (a + b) >> 1;
      if (this.rows[m].index < lo) a = k = m + 1;
      else b = m;
    }
    for (; k < this.rows.length && this.rows[k].index <= hi; k++) {
      const r = this.rows[k];
      r.el.classList.toggle('past', r.index <= i);
      r.el.classList.toggle('current', r.index === i);
    }
    if (prev !== i) {
      const cur = this.rows.find((r) => r.index === i);
      if (cur && this.host.listMode === 'events') cur.el.scrollIntoView({ block: 'nearest' });
    }
    this.lastRowPos = i;
  }
}
