// Shared editor setup for the room (editable, collaborative) and the replay (read-only).
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import {
  EditorView,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  placeholder,
  rectangularSelection,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, foldGutter, foldKeymap, indentOnInput, indentUnit } from '@codemirror/language';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { editorTheme } from './theme';
import { remoteCursors } from './cursors';
import { loadLanguage, placeholderFor } from './languages';

export const languageCompartment = new Compartment();
export const placeholderCompartment = new Compartment();

const wanted = new WeakMap<EditorView, string>();

export function editableExtensions(lang: string, extra: Extension[]): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    indentUnit.of('    '),
    bracketMatching(),
    closeBrackets(),
    autocompletion({ activateOnTyping: false }),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    keymap.of([
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      ...completionKeymap,
      indentWithTab,
    ]),
    editorTheme,
    remoteCursors(),
    languageCompartment.of([]),
    placeholderCompartment.of(placeholder(placeholderFor(lang))),
    EditorView.contentAttributes.of({ 'aria-label': 'Code editor' }),
    ...extra,
  ];
}

export function readOnlyExtensions(): Extension[] {
  return [
    lineNumbers(),
    highlightSpecialChars(),
    drawSelection(),
    bracketMatching(),
    search({ top: true }),
    keymap.of(searchKeymap),
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
    editorTheme,
    remoteCursors(),
    languageCompartment.of([]),
    EditorView.contentAttributes.of({ 'aria-label': 'Replay document' }),
  ];
}

/** Switch the highlighting language (grammars load lazily; the last request wins). */
export async function setLanguage(view: EditorView, lang: string): Promise<void> {
  wanted.set(view, lang);
  if (placeholderCompartment.get(view.state) !== undefined) {
    view.dispatch({ effects: placeholderCompartment.reconfigure(placeholder(placeholderFor(lang))) });
  }
  const ext = await loadLanguage(lang);
  if (wanted.get(view) !== lang || !view.dom.isConnected) return;
  view.dispatch({ effects: languageCompartment.reconfigure(ext) });
}
