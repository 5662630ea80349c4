// Answers arrive as markdown from a model, so they are untrusted: marked turns
// them into HTML and DOMPurify removes anything that could run or load code.
// Links open in a new tab without access to this window.
import { Marked } from 'marked';
import DOMPurify from 'dompurify';

const marked = new Marked({ gfm: true, breaks: false, async: false });

const FORBID_TAGS = ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'];

let hooked = false;
function hook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && !node.classList.contains('cite-ref')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
}

// renderMarkdown returns safe HTML for text, including text cut off
// mid-stream. With cite, the answer's "[n]" markers become links to its
// sources; that happens before sanitising, so nothing is added after it.
export function renderMarkdown(text: string, cite?: { count: number; label: (n: number) => string }): string {
  hook();
  let html = marked.parse(text) as string;
  if (cite) html = linkCitations(html, cite.count, cite.label);
  // Wide tables scroll on their own instead of widening the page.
  html = html.replace(/<table>/g, '<div class="table-scroll"><table>').replace(/<\/table>/g, '</table></div>');
  return DOMPurify.sanitize(html, {
    FORBID_TAGS,
    FORBID_ATTR: ['style'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/)/i,
  });
}

// linkCitations turns the answer's source markers, "[1]" up to "[count]", into
// links the page opens as the numbered source. It touches only text between
// tags, outside code; renderMarkdown sanitises its result.
export function linkCitations(html: string, count: number, label: (n: number) => string): string {
  if (count === 0) return html;
  let inCode = 0;
  return html
    .split(/(<[^>]+>)/)
    .map((part) => {
      if (part.startsWith('<')) {
        if (/^<(code|pre)\b/i.test(part)) inCode++;
        else if (/^<\/(code|pre)>/i.test(part)) inCode = Math.max(0, inCode - 1);
        return part;
      }
      if (inCode) return part;
      return part.replace(/\[(\d{1,3})\]/g, (m, d: string) => {
        const n = Number(d);
        if (n < 1 || n > count) return m;
        return `<a href="#source-${n}" class="cite-ref" data-n="${n}" aria-label="${escapeAttr(label(n))}">[${n}]</a>`;
      });
    })
    .join('');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
