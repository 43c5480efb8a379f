// The replay's two settings, adjustable on the page and remembered in localStorage.
import { isObject } from '../protocol';

export const DEFAULT_PASTE_THRESHOLD = 40; // an insertion of more than this many characters is a "large paste"
export const DEFAULT_IDLE_GAP = 5000; // gaps longer than this (ms) are compressed when playing
const SETTINGS_KEY = 'ir.replay.settings';

export interface ReplaySettings {
  idleGapMs: number; // 0: no compression
  pasteThreshold: number;
}

export function loadSettings(): ReplaySettings {
  const s: ReplaySettings = { idleGapMs: DEFAULT_IDLE_GAP, pasteThreshold: DEFAULT_PASTE_THRESHOLD };
  try {
    const j: unknown = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null');
    if (isObject(j)) {
      const { idleGapMs, pasteThreshold } = j;
      if (typeof idleGapMs === 'number' && Number.isFinite(idleGapMs) && idleGapMs >= 0) s.idleGapMs = idleGapMs;
      if (typeof pasteThreshold === 'number' && Number.isFinite(pasteThreshold) && pasteThreshold >= 1) s.pasteThreshold = pasteThreshold;
    }
  } catch {
    /* storage disabled or garbage */
  }
  return s;
}

export function saveSettings(s: ReplaySettings) {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(s));
  } catch {
    /* storage disabled */
  }
}
