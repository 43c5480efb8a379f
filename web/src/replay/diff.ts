// The A/B comparison: the documents at two moments in @codemirror/merge (loaded lazily), side by
// side or unified, with line counts of what was added and removed.
import { EditorState, type Text } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { h, clear } from '../dom';
import { readOnlyExtensions, setLanguage } from '../editor';
import type { Frame } from './fold';

export type DiffMode = 'split' | 'unified';

export interface Comparison {
  destroy(): void;
  mode: DiffMode;
  added: number;
  removed: number;
  chunks: number;
}

interface Chunk {
  fromA: number;
  toA: number;
  fromB: number;
  toB: number;
}

/** Lines of `doc` a chunk's range covers (a chunk covers whole lines). */
function lines(doc: Text, from: number, to: number): number {
  return to > from ? doc.lineAt(Math.max(from, to - 1)).number - doc.lineAt(from).number + 1 : 0;
}

/** Show A -> B in `host`. Throws when the merge module cannot be loaded. */
export async function showComparison(host: HTMLElement, fa: Frame, fb: Frame, mode: DiffMode, stillWanted: () => boolean): Promise<Comparison | null> {
  const merge = await import('@codemirror/merge');
  if (!stillWanted()) return null;
  clear(host);
  const collapse = { margin: 3, minSize: 8 };
  let chunks: readonly Chunk[] = [];
  let destroy: () => void;
  if (mode === 'split') {
    const mv = new merge.MergeView({
      a: { doc: fa.doc, extensions: [...readOnlyExtensions()] },
      b: { doc: fb.doc, extensions: [...readOnlyExtensions()] },
      parent: host,
      highlightChanges: true,
      gutter: true,
      collapseUnchanged: collapse,
    });
    void setLanguage(mv.a, fa.language);
    void setLanguage(mv.b, fb.language);
    chunks = mv.chunks;
    destroy = () => mv.destroy();
  } else {
    const view = new EditorView({
      state: EditorState.create({
        doc: fb.doc,
        extensions: [...readOnlyExtensions(), merge.unifiedMergeView({ original: fa.doc, mergeControls: false, highlightChanges: true, gutter: true, collapseUnchanged: collapse })],
      }),
      parent: host,
    });
    void setLanguage(view, fb.language);
    chunks = merge.getChunks(view.state)?.chunks ?? [];
    destroy = () => view.destroy();
  }
  // Lines of A in a chunk were removed, lines of B added.
  let added = 0;
  let removed = 0;
  for (const c of chunks) {
    removed += lines(fa.doc, c.fromA, Math.min(c.toA, fa.doc.length + 1));
    added += lines(fb.doc, c.fromB, Math.min(c.toB, fb.doc.length + 1));
  }
  return { destroy, mode, added, removed, chunks: chunks.length };
}

/** The comparison's title bar: A and B with their labels, and the counts. */
export function renderDiffTitle(el: HTMLElement, labelA: string, labelB: string, d: Comparison) {
  clear(el);
  el.append(
    h('span', { class: 'ab-chip ab-a' }, 'A'),
    ` ${labelA} `,
    h('span', { class: 'muted' }, '→'),
    ' ',
    h('span', { class: 'ab-chip ab-b' }, 'B'),
    ` ${labelB} `,
    d.chunks
      ? h(
          'span',
          { class: 'diff-stats' },
          h('span', { class: 'diff-added', id: 'diff-added' }, `+${d.added}`),
          ' ',
          h('span', { class: 'diff-removed', id: 'diff-removed' }, `−${d.removed}`),
          ` lines in ${d.chunks} change${d.chunks === 1 ? '' : 's'}`,
        )
      : h('span', { class: 'muted', id: 'diff-same' }, 'The documents are identical.'),
  );
}
