// PHP highlighting without a PHP grammar (@codemirror/lang-php is not a dependency of this
// client): the C-like CodeMirror 5 mode with PHP's keywords, $variables and # comments. The
// <?php tag is shown as meta.
import { clike } from '@codemirror/legacy-modes/mode/clike';
import type { StringStream } from '@codemirror/language';

function words(text: string): Record<string, boolean> {
  const set: Record<string, boolean> = {};
  for (const w of text.split(' ')) set[w] = true;
  return set;
}

export const php = clike({
  name: 'php',
  keywords: words(
    'abstract and array as break case catch class clone const continue declare default do echo ' +
      'else elseif empty enddeclare endfor endforeach endif endswitch endwhile enum extends final ' +
      'finally fn for foreach function global goto if implements include include_once instanceof ' +
      'insteadof interface isset list match namespace new or print private protected public ' +
      'readonly require require_once return static switch throw trait try unset use var while xor ' +
      'yield',
  ),
  types: words('int float bool string void mixed object iterable callable never self parent'),
  atoms: words('true false null TRUE FALSE NULL'),
  blockKeywords: words('catch do else elseif for foreach function if switch try while finally'),
  multiLineStrings: true,
  hooks: {
    $: (stream: StringStream) => {
      stream.eatWhile(/[\w$]/);
      return 'variableName';
    },
    '#': (stream: StringStream) => {
      stream.skipToEnd();
      return 'comment';
    },
    '<': (stream: StringStream) => {
      if (stream.match('?php') || stream.match('?=')) return 'meta';
      return false;
    },
    '?': (stream: StringStream) => {
      if (stream.eat('>')) return 'meta';
      return false;
    },
  },
});
