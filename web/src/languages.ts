// Language name (as roomd names it) -> CodeMirror language support, loaded on demand
// (each grammar is its own chunk, so the first page load stays small).
import type { Extension } from '@codemirror/state';
import { StreamLanguage } from '@codemirror/language';

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
};

export function languageLabel(lang: string): string {
  return LABELS[lang.toLowerCase()] ?? lang;
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
    case 'shell': {
      const { shell } = await import('@codemirror/legacy-modes/mode/shell');
      return StreamLanguage.define(shell);
    }
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
    case 'plaintext':
      return 'Start typing… pick a language above for highlighting.';
    default:
      return '// Write code here. Ctrl+Enter runs it.';
  }
}
