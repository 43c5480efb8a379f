// The shared terminal's emulator (xterm.js), as both pages draw it: the room's live one and the
// replay's read-only one. Also the one line a finished interactive run ends with, and the buffer as
// text (the browser tests compare what the pages show with the log's fold).
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { RunResult } from './protocol';

/** roomd's limits for terminal_resize and the sizes it defaults to. */
export const TERM_COLS = { min: 2, max: 500, default: 80 } as const;
export const TERM_ROWS = { min: 1, max: 200, default: 24 } as const;

export interface Xterm {
  term: Terminal;
  /** The size that would fill the host now (clamped to roomd's limits), or null when not laid out. */
  proposed(): { cols: number; rows: number } | null;
}

export function createXterm(host: HTMLElement, readOnly: boolean): Xterm {
  const term = new Terminal({
    cols: TERM_COLS.default,
    rows: TERM_ROWS.default,
    // Input is off until a run is active (the room turns it on); the replay never takes any.
    disableStdin: true,
    cursorBlink: !readOnly,
    convertEol: false, // the pseudo-terminal already turns \n into \r\n
    scrollback: 5000,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    fontSize: 13,
    theme: { background: '#0b0e1c', foreground: '#d8dcf0' },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(host);
  return {
    term,
    proposed() {
      const d = fit.proposeDimensions();
      if (!d || !Number.isFinite(d.cols) || !Number.isFinite(d.rows)) return null;
      return { cols: clamp(d.cols, TERM_COLS.min, TERM_COLS.max), rows: clamp(d.rows, TERM_ROWS.min, TERM_ROWS.max) };
    },
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.floor(v)));
}

/** Resize only when the size changes (xterm reflows the buffer on every call). */
export function setSize(term: Terminal, cols: number, rows: number) {
  if (term.cols !== cols || term.rows !== rows) term.resize(cols, rows);
}

/** The buffer as text: wrapped rows joined, trailing blanks and empty rows dropped. */
export function bufferText(term: Terminal): string {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < buf.length; y++) {
    const line = buf.getLine(y);
    if (!line) continue;
    const text = line.translateToString(true);
    if (line.isWrapped && lines.length) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** "[process exited with code 0]", "[process timed out]", …: how an interactive run ended. */
export function exitLine(r: Partial<RunResult>): string {
  let s: string;
  if (r.error) s = `[could not run: ${r.error}]`;
  else if (r.timedOut) s = '[process timed out]';
  else if (r.signal) s = `[process killed (${r.signal})]`;
  else s = `[process exited with code ${r.exitCode ?? '?'}]`;
  return r.truncated ? `${s} [output truncated]` : s;
}
