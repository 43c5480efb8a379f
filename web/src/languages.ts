// Language name (as roomd names it) -> CodeMirror language support, loaded on demand
// (each grammar is its own chunk, so the first page load stays small).
import type { Extension } from '@codemirror/state';
import { StreamLanguage, type StreamParser } from '@codemirror/language';

const LABELS: Record<string, string> = {
  plaintext: 'Plain text',
  python: 'Python',
  python3: 'Python',
  javascript: 'JavaScript',
  typescript: 'TypeScript',
  node: 'JavaScript',
  cpp: 'C++',
  'c++': 'C++',
  c: 'C',
  java: 'Java',
  go: 'Go',
  rust: 'Rust',
  bash: 'Bash',
  sh: 'Shell',
  kotlin: 'Kotlin',
  scala: 'Scala',
  clojure: 'Clojure',
  ruby: 'Ruby',
  php: 'PHP',
  perl: 'Perl',
  lua: 'Lua',
  r: 'R',
  csharp: 'C#',
  haskell: 'Haskell',
  ocaml: 'OCaml',
  elixir: 'Elixir',
  erlang: 'Erlang',
  pascal: 'Pascal',
  fortran: 'Fortran',
  sql: 'SQL (SQLite)',
};

export function languageLabel(lang: string): string {
  return LABELS[lang.toLowerCase()] ?? lang;
}

/** A CodeMirror 5 mode of @codemirror/legacy-modes, by its export name. */
async function legacy(mod: Promise<Record<string, unknown>>, name: string): Promise<Extension> {
  return StreamLanguage.define((await mod)[name] as StreamParser<unknown>);
}

async function load(lang: string): Promise<Extension> {
  switch (lang.toLowerCase()) {
    case 'python':
    case 'python3':
    case 'py':
      return (await import('@codemirror/lang-python')).python();
    case 'javascript':
    case 'js':
    case 'node':
      return (await import('@codemirror/lang-javascript')).javascript();
    case 'typescript':
    case 'ts':
      return (await import('@codemirror/lang-javascript')).javascript({ typescript: true });
    case 'cpp':
    case 'c++':
    case 'c':
      return (await import('@codemirror/lang-cpp')).cpp();
    case 'java':
      return (await import('@codemirror/lang-java')).java();
    case 'go':
    case 'golang':
      return (await import('@codemirror/lang-go')).go();
    case 'rust':
    case 'rs':
      return (await import('@codemirror/lang-rust')).rust();
    case 'bash':
    case 'sh':
    case 'shell':
      return legacy(import('@codemirror/legacy-modes/mode/shell'), 'shell');
    case 'kotlin':
    case 'kt':
      return legacy(import('@codemirror/legacy-modes/mode/clike'), 'kotlin');
    case 'scala':
      return legacy(import('@codemirror/legacy-modes/mode/clike'), 'scala');
    case 'csharp':
    case 'cs':
    case 'c#':
      return legacy(import('@codemirror/legacy-modes/mode/clike'), 'csharp');
    case 'php':
      // No PHP grammar here (@codemirror/lang-php is not a dependency): C-like rules with
      // PHP's keywords and $variables.
      return StreamLanguage.define((await import('./php-mode')).php);
    case 'clojure':
    case 'clj':
      return legacy(import('@codemirror/legacy-modes/mode/clojure'), 'clojure');
    case 'ruby':
    case 'rb':
      return legacy(import('@codemirror/legacy-modes/mode/ruby'), 'ruby');
    case 'elixir':
    case 'ex':
    case 'exs':
      // No Elixir mode in @codemirror/legacy-modes: Ruby's is the closest (do/end, def,
      // :atoms, # comments, "#{}" interpolation).
      return legacy(import('@codemirror/legacy-modes/mode/ruby'), 'ruby');
    case 'perl':
    case 'pl':
      return legacy(import('@codemirror/legacy-modes/mode/perl'), 'perl');
    case 'lua':
      return legacy(import('@codemirror/legacy-modes/mode/lua'), 'lua');
    case 'r':
      return legacy(import('@codemirror/legacy-modes/mode/r'), 'r');
    case 'haskell':
    case 'hs':
      return legacy(import('@codemirror/legacy-modes/mode/haskell'), 'haskell');
    case 'ocaml':
    case 'ml':
      return legacy(import('@codemirror/legacy-modes/mode/mllike'), 'oCaml');
    case 'erlang':
    case 'erl':
      return legacy(import('@codemirror/legacy-modes/mode/erlang'), 'erlang');
    case 'pascal':
    case 'pas':
      return legacy(import('@codemirror/legacy-modes/mode/pascal'), 'pascal');
    case 'fortran':
    case 'f90':
      return legacy(import('@codemirror/legacy-modes/mode/fortran'), 'fortran');
    case 'sql':
    case 'sqlite':
      return legacy(import('@codemirror/legacy-modes/mode/sql'), 'sqlite');
    default:
      return [];
  }
}

const cache = new Map<string, Promise<Extension>>();
export function loadLanguage(lang: string): Promise<Extension> {
  const k = lang.toLowerCase();
  let p = cache.get(k);
  if (!p) {
    p = load(k).catch((e) => {
      cache.delete(k);
      console.error('could not load language', lang, e);
      return [] as Extension;
    });
    cache.set(k, p);
  }
  return p;
}

/** A short hint for an empty document, used only as a placeholder. */
export function placeholderFor(lang: string): string {
  switch (lang.toLowerCase()) {
    case 'python':
      return '# Write Python here. Ctrl+Enter runs it.';
    case 'bash':
    case 'sh':
      return '# Write a shell script here. Ctrl+Enter runs it.';
    case 'ruby':
    case 'perl':
    case 'r':
    case 'elixir':
      return '# Write code here. Ctrl+Enter runs it.';
    case 'sql':
      return '-- Write SQL here (SQLite, a fresh in-memory database). Ctrl+Enter runs it.';
    case 'lua':
    case 'haskell':
      return '-- Write code here. Ctrl+Enter runs it.';
    case 'erlang':
      return '% Write an escript-style module main with main/1 here. Ctrl+Enter runs it.';
    case 'ocaml':
    case 'pascal':
      return '(* Write code here. Ctrl+Enter runs it. *)';
    case 'clojure':
      return ';; Write code here. Ctrl+Enter runs it.';
    case 'fortran':
      return '! Write code here. Ctrl+Enter runs it.';
    case 'plaintext':
      return 'Start typing… pick a language above for highlighting.';
    default:
      return '// Write code here. Ctrl+Enter runs it.';
  }
}
