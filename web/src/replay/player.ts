// Playing the replay: events at their recorded pace times the speed, idle gaps over the threshold
// compressed, hidden participants' events skipped.
import { toast, formatDuration } from '../dom';
import type { Folded } from './fold';
import type { ReplaySettings } from './settings';

const IDLE_PLAY = 1000; // idle gaps over the threshold play this long (or the threshold, if smaller)

export interface PlayerHost {
  readonly f: Folded;
  readonly pos: number;
  show(i: number): void;
  /** The next shown event after (1) or before (-1) position i, or -1. */
  nextVisible(i: number, d: 1 | -1): number;
  /** The play button's label follows the state. */
  playingChanged(playing: boolean): void;
}

export class Player {
  playing = false;
  speed = 1;
  private timer: number | undefined;

  constructor(
    private host: PlayerHost,
    private settings: ReplaySettings,
  ) {}

  private get n() {
    return this.host.f.events.length;
  }

  /** Real time between two positions as played: idle gaps over the threshold are compressed. */
  private gap(from: number, to: number): number {
    const ev = this.host.f.events;
    const gap = Math.max(0, ev[to].ts - ev[from].ts);
    const t = this.settings.idleGapMs;
    if (t > 0 && gap > t) return Math.min(t, IDLE_PLAY);
    return gap;
  }

  /** Wall time a full play from the start takes at the current speed and settings (ms). */
  playTimeMs(): number {
    let total = 0;
    let k = this.host.nextVisible(-1, 1);
    while (k >= 0) {
      const next = this.host.nextVisible(k, 1);
      if (next < 0) break;
      total += this.gap(k, next);
      k = next;
    }
    return total / this.speed;
  }

  /** "plays in 12 s at 1× (of 3 min)" when compression shortens the play, else empty. */
  note(): string {
    const ev = this.host.f.events;
    const raw = this.n > 1 ? ev[this.n - 1].ts - ev[0].ts : 0;
    const played = this.playTimeMs() * this.speed;
    return played < raw - 500 ? `plays in ${formatDuration(played)} at 1× (of ${formatDuration(raw)})` : '';
  }

  play() {
    const last = this.host.nextVisible(this.n, -1);
    if (last < 0) {
      toast('No events of the selected participants to play.', 'info');
      return;
    }
    if (this.host.pos >= last) this.host.show(Math.max(0, this.host.nextVisible(-1, 1)));
    this.playing = true;
    this.host.playingChanged(true);
    this.scheduleNext();
  }

  pause() {
    this.playing = false;
    window.clearTimeout(this.timer);
    this.host.playingChanged(false);
  }

  private scheduleNext() {
    if (!this.playing) return;
    const pos = this.host.pos;
    const next = this.host.nextVisible(pos, 1);
    if (next < 0) {
      this.pause();
      return;
    }
    this.timer = window.setTimeout(() => {
      this.host.show(next);
      this.scheduleNext();
    }, this.gap(pos, next) / this.speed);
  }
}
