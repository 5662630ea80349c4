// Code blocks in answers get a header with their language and a copy
// button, and are highlighted by highlight.js, loaded only when the first
// code block appears (its own chunk, kept out of the chat's bundle).
type HLJS = typeof import('highlight.js').default;

let loading: Promise<HLJS> | null = null;

function highlighter(): Promise<HLJS> {
  loading ??= import('./highlight').then((m) => m.default);
  return loading;
}

export interface CodeLabels {
  copy: string;
  copied: string;
  code: string;
}

// enhanceCode decorates the pre > code blocks under node that are not yet
// decorated; highlight also colours them (a finished answer).
export function enhanceCode(node: HTMLElement, labels: CodeLabels, highlight: boolean): void {
  for (const code of node.querySelectorAll<HTMLElement>('pre > code')) {
    const pre = code.parentElement!;
    if (!pre.parentElement?.classList.contains('code-block')) wrap(pre, code, labels);
    if (highlight && !code.dataset.highlighted) {
      code.dataset.highlighted = 'pending';
      highlighter()
        .then((hljs) => {
          const lang = language(code);
          if (lang && hljs.getLanguage(lang)) code.innerHTML = hljs.highlight(code.textContent ?? '', { language: lang }).value;
          else code.innerHTML = hljs.highlightAuto(code.textContent ?? '').value;
          code.classList.add('hljs');
          code.dataset.highlighted = 'yes';
        })
        .catch(() => (code.dataset.highlighted = 'failed'));
    }
  }
}

function language(code: HTMLElement): string {
  return [...code.classList].find((c) => c.startsWith('language-'))?.slice('language-'.length) ?? '';
}

function wrap(pre: HTMLElement, code: HTMLElement, labels: CodeLabels): void {
  const box = document.createElement('div');
  box.className = 'code-block';
  const head = document.createElement('div');
  head.className = 'code-head';
  const name = document.createElement('span');
  name.textContent = language(code) || labels.code;
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'icon-btn copy-code';
  copy.textContent = labels.copy;
  copy.addEventListener('click', async () => {
    await navigator.clipboard.writeText(code.textContent ?? '');
    copy.textContent = labels.copied;
    setTimeout(() => (copy.textContent = labels.copy), 2000);
  });
  head.append(name, copy);
  pre.replaceWith(box);
  box.append(head, pre);
}
