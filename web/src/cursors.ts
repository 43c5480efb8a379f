// Remote cursors and selections: a state field of positions mapped through every change,
// rendered as a coloured caret with a name label plus a translucent selection.
import { StateEffect, StateField, RangeSetBuilder, type Extension, type Range } from '@codemirror/state';
import { Decoration, EditorView, WidgetType, type DecorationSet } from '@codemirror/view';

export interface RemoteCursor {
  id: string;
  name: string;
  color: string;
  anchor: number;
  head: number;
  /** When set (live room), the name label fades out a few seconds after this moment. */
  movedAt?: number;
}

export const setRemoteCursor = StateEffect.define<RemoteCursor>();
export const removeRemoteCursor = StateEffect.define<string>();
export const replaceRemoteCursors = StateEffect.define<RemoteCursor[]>();

type CursorMap = Map<string, RemoteCursor>;

function clamp(n: number, len: number) {
  return Math.max(0, Math.min(len, Math.floor(n)));
}

export const remoteCursorField = StateField.define<CursorMap>({
  create: () => new Map(),
  update(value, tr) {
    let next = value;
    if (tr.docChanged && value.size) {
      next = new Map();
      for (const [k, c] of value) {
        next.set(k, { ...c, anchor: tr.changes.mapPos(c.anchor, -1), head: tr.changes.mapPos(c.head, -1) });
      }
    }
    for (const e of tr.effects) {
      const len = tr.state.doc.length;
      if (e.is(setRemoteCursor)) {
        if (next === value) next = new Map(value);
        next.set(e.value.id, { ...e.value, anchor: clamp(e.value.anchor, len), head: clamp(e.value.head, len) });
      } else if (e.is(removeRemoteCursor)) {
        if (next.has(e.value)) {
          if (next === value) next = new Map(value);
          next.delete(e.value);
        }
      } else if (e.is(replaceRemoteCursors)) {
        next = new Map(e.value.map((c) => [c.id, { ...c, anchor: clamp(c.anchor, len), head: clamp(c.head, len) }]));
      }
    }
    return next;
  },
});

class CaretWidget extends WidgetType {
  constructor(
    readonly name: string,
    readonly color: string,
    readonly id: string,
    readonly movedAt: number | undefined,
  ) {
    super();
  }
  eq(o: CaretWidget) {
    return o.name === this.name && o.color === this.color && o.id === this.id && o.movedAt === this.movedAt;
  }
  toDOM() {
    const wrap = document.createElement('span');
    wrap.className = 'cm-remote-caret';
    wrap.style.borderLeftColor = this.color;
    wrap.setAttribute('data-participant', this.id);
    wrap.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = this.movedAt === undefined ? 'cm-remote-label' : 'cm-remote-label cm-remote-label-fade';
    label.style.backgroundColor = this.color;
    label.textContent = this.name;
    wrap.appendChild(label);
    return wrap;
  }
  ignoreEvent() {
    return true;
  }
}

const decorations = EditorView.decorations.compute([remoteCursorField], (state) => {
  const cursors = state.field(remoteCursorField);
  const ranges: Range<Decoration>[] = [];
  for (const c of cursors.values()) {
    const from = Math.min(c.anchor, c.head);
    const to = Math.max(c.anchor, c.head);
    if (from < to) {
      ranges.push(
        Decoration.mark({
          class: 'cm-remote-selection',
          attributes: { style: `background-color: ${c.color}33` },
        }).range(from, to),
      );
    }
    ranges.push(Decoration.widget({ widget: new CaretWidget(c.name, c.color, c.id, c.movedAt), side: -1 }).range(c.head));
  }
  ranges.sort((a, b) => a.from - b.from || a.value.startSide - b.value.startSide);
  const b = new RangeSetBuilder<Decoration>();
  for (const r of ranges) b.add(r.from, r.to, r.value);
  return b.finish() as DecorationSet;
});

const cursorTheme = EditorView.baseTheme({
  '.cm-remote-caret': {
    position: 'relative',
    borderLeft: '2px solid',
    marginLeft: '-1px',
    marginRight: '-1px',
    pointerEvents: 'none',
  },
  '.cm-remote-label': {
    position: 'absolute',
    top: '-1.25em',
    left: '-2px',
    fontSize: '10.5px',
    lineHeight: '1.3',
    padding: '0 4px',
    borderRadius: '3px 3px 3px 0',
    color: '#0b0d18',
    fontFamily: 'var(--sans)',
    fontWeight: '600',
    whiteSpace: 'nowrap',
    zIndex: '5',
    opacity: '0.95',
  },
  // Live room: the label shows when the cursor moves, then fades so it does not hide code.
  '.cm-remote-label-fade': { animation: 'cm-remote-label-fade 4s ease-in forwards' },
  '@keyframes cm-remote-label-fade': { '0%, 75%': { opacity: '0.95' }, '100%': { opacity: '0.25' } },
});

export function remoteCursors(): Extension {
  return [remoteCursorField, decorations, cursorTheme];
}
