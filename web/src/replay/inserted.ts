// Highlight of the text the current event inserted.
import { StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';

export const setInserted = StateEffect.define<[number, number][]>();

const insertedField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(setInserted)) {
        const len = tr.state.doc.length;
        value = Decoration.set(
          e.value.filter(([a, b]) => b <= len && a < b).map(([a, b]) => Decoration.mark({ class: 'cm-replay-inserted' }).range(a, b)),
          true,
        );
      }
    }
    return value;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export const insertedHighlight: Extension = [insertedField];
