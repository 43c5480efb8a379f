// A small, strict Markdown renderer for question statements. A question's author is trusted less
// than the page that shows it, so nothing of the input ever becomes markup: every character is text
// (DOM text nodes, never innerHTML), and only these constructs become elements: ATX headings (#..######),
// paragraphs, fenced code blocks, indented code, bullet and numbered lists, `code`, *em*/_em_,
// **strong**/__strong__, and [links](url) whose url is http(s) (anything else, javascript: and data:
// included, stays plain text). Raw HTML is shown as the text it is.
// No library in web/node_modules does this (no marked, markdown-it or DOMPurify), and a renderer
// that builds DOM nodes cannot be talked into running script.
import { h } from './dom';

type Inline = Node;

/** The statement as a fragment of safe DOM nodes. */
export function renderMarkdown(text: string): DocumentFragment {
  const out = document.createDocumentFragment();
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let para: string[] = [];
  const flush = () => {
    if (para.length) out.appendChild(h('p', {}, ...inline(para.join(' '))));
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s{0,3}(`{3,}|~{3,})/);
    if (fence) {
      flush();
      const mark = fence[1];
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trimStart().startsWith(mark)) body.push(lines[i++]);
      i++; // the closing fence (or the end)
      out.appendChild(h('pre', { class: 'md-code' }, h('code', {}, body.join('\n'))));
      continue;
    }
    const heading = line.match(/^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1].length + 2); // h3..h6: the statement sits under the page's headings
      out.appendChild(h(`h${level}` as 'h3', { class: 'md-heading' }, ...inline(heading[2])));
      i++;
      continue;
    }
    const item = line.match(/^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/);
    if (item) {
      flush();
      const ordered = /\d/.test(item[1]);
      const list = h(ordered ? 'ol' : 'ul', { class: 'md-list' });
      while (i < lines.length) {
        const m = lines[i].match(/^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/);
        if (!m || /\d/.test(m[1]) !== ordered) break;
        list.appendChild(h('li', {}, ...inline(m[2])));
        i++;
      }
      out.appendChild(list);
      continue;
    }
    if (/^( {4}|\t)/.test(line) && para.length === 0) {
      const body: string[] = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || lines[i].trim() === '')) body.push(lines[i++].replace(/^( {4}|\t)/, ''));
      while (body.length && body[body.length - 1].trim() === '') body.pop();
      out.appendChild(h('pre', { class: 'md-code' }, h('code', {}, body.join('\n'))));
      continue;
    }
    if (line.trim() === '') flush();
    else para.push(line.trim());
    i++;
  }
  flush();
  return out;
}

/** An http(s) URL, or null: javascript:, data:, relative and protocol-relative URLs are refused. */
export function safeHref(raw: string): string | null {
  const s = raw.trim();
  if (!/^https?:\/\//i.test(s)) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Inline Markdown to nodes: code spans first (their content is literal), then links, strong, em. */
function inline(text: string): Inline[] {
  const out: Inline[] = [];
  const re = /(`+)([\s\S]*?[^`])\1(?!`)|\[([^\]]*)\]\(([^)\s]*)\)|(\*\*|__)(?=\S)([\s\S]*?\S)\5|(\*|_)(?=\S)([\s\S]*?\S)\7/g;
  let last = 0;
  for (let m: RegExpExecArray | null; (m = re.exec(text)); ) {
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    if (m[1]) {
      out.push(h('code', {}, m[2].trim() || m[2]));
    } else if (m[3] !== undefined) {
      const href = safeHref(m[4]);
      if (href) out.push(h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, ...inline(m[3])));
      else out.push(document.createTextNode(m[0]));
    } else if (m[5]) {
      out.push(h('strong', {}, ...inline(m[6])));
    } else if (m[7]) {
      out.push(h('em', {}, ...inline(m[8])));
    }
    last = re.lastIndex;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}
