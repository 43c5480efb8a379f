// A run as the pages show it, and the mapping from a run result (PROTOCOL.md `run_finished`).
// No DOM here: the replay's fold (which runs in node for the fold test) uses it too.
import type { RunResult } from './protocol';

export interface RunView {
  runId: string;
  by: string;
  language: string;
  version?: number; // document version the run was started at
  running: boolean;
  stdout: string;
  stderr: string;
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  truncated?: boolean;
  durationMs?: number;
  compileOutput?: string;
  startedAt: number;
  /** Ran on the shared terminal: its output is there, not in stdout/stderr. */
  interactive?: boolean;
}

export type FinishedFields = Pick<RunView, 'running' | 'stdout' | 'stderr' | 'exitCode' | 'signal' | 'timedOut' | 'truncated' | 'durationMs' | 'compileOutput'>;

/** The result fields of a `run_finished` message or event, or a `lastRun`, as a finished RunView. */
export function finishedFields(r: Partial<RunResult>): FinishedFields {
  return {
    running: false,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: !!r.timedOut,
    truncated: !!r.truncated,
    durationMs: r.durationMs,
    compileOutput: r.compileOutput,
  };
}
