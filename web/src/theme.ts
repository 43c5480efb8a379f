// Dark editor theme + highlight style. classHighlighter adds stable tok-* classes as well.
import { EditorView } from '@codemirror/view';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { classHighlighter, tags as t } from '@lezer/highlight';
import type { Extension } from '@codemirror/state';

const bg = '#0f1220';
const gutter = '#0c0f1b';
const fg = '#d7dcf0';
const dim = '#5d6685';

export const darkTheme = EditorView.theme(
  {
    '&': { color: fg, backgroundColor: bg, height: '100%' },
    '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
    '.cm-content': { caretColor: '#9fb2ff', padding: '10px 0' },
    '.cm-cursor, .cm-dropCursor': { borderLeftColor: '#9fb2ff', borderLeftWidth: '2px' },
    '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection':
      { backgroundColor: '#2b3566' },
    '.cm-activeLine': { backgroundColor: '#151a30' },
    '.cm-gutters': { backgroundColor: gutter, color: dim, border: 'none', borderRight: '1px solid #1b2036' },
    '.cm-activeLineGutter': { backgroundColor: '#151a30', color: '#aab3d6' },
    '.cm-matchingBracket, .cm-nonmatchingBracket': { backgroundColor: '#2d3a6b', outline: '1px solid #4a5aa0' },
    '.cm-searchMatch': { backgroundColor: '#6d5efc44', outline: '1px solid #6d5efc' },
    '.cm-searchMatch.cm-searchMatch-selected': { backgroundColor: '#6d5efc88' },
    '.cm-panels': { backgroundColor: '#161a2e', color: fg },
    '.cm-panels.cm-panels-top': { borderBottom: '1px solid #262c48' },
    '.cm-panels.cm-panels-bottom': { borderTop: '1px solid #262c48' },
    '.cm-textfield': { backgroundColor: '#0f1220', border: '1px solid #2e3557', color: fg, borderRadius: '4px' },
    '.cm-button': { backgroundImage: 'none', backgroundColor: '#242a48', border: '1px solid #2e3557', color: fg, borderRadius: '4px' },
    '.cm-tooltip': { backgroundColor: '#1a1f36', border: '1px solid #2e3557', color: fg },
    '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: '#2b3566', color: fg },
    '.cm-foldPlaceholder': { backgroundColor: '#242a48', border: 'none', color: fg },
    '.cm-placeholder': { color: dim },
  },
  { dark: true },
);

export const darkHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword, t.definitionKeyword], color: '#c792ea' },
  { tag: [t.string, t.special(t.string), t.regexp], color: '#c3e88d' },
  { tag: [t.number, t.bool, t.null, t.atom], color: '#f78c6c' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: '#6b7394', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: '#82aaff' },
  { tag: [t.definition(t.variableName), t.definition(t.function(t.variableName))], color: '#82aaff' },
  { tag: [t.typeName, t.className, t.namespace], color: '#ffcb6b' },
  { tag: [t.propertyName, t.attributeName], color: '#89ddff' },
  { tag: [t.operator, t.punctuation, t.bracket], color: '#a6b0d4' },
  { tag: [t.meta, t.processingInstruction], color: '#ff9cac' },
  { tag: t.variableName, color: '#e6e9f7' },
  { tag: t.self, color: '#ff5370' },
  { tag: t.invalid, color: '#ff5370' },
]);

export const editorTheme: Extension = [darkTheme, syntaxHighlighting(darkHighlight), syntaxHighlighting(classHighlighter)];
