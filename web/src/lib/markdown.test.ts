import { describe, expect, it } from 'vitest';
import { linkCitations, renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders markdown', () => {
    const html = renderMarkdown('**Bygglov** krävs:\n\n- ansökan\n- ritning\n\n`kod`');
    expect(html).toContain('<strong>Bygglov</strong>');
    expect(html).toContain('<li>ansökan</li>');
    expect(html).toContain('<code>kod</code>');
  });

  it('removes scripts, event handlers and javascript: links', () => {
    const html = renderMarkdown('<script>alert(1)</script><img src=x onerror="alert(2)"> [klick](javascript:alert) <a href="javascript:alert(4)">a</a>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/onerror/i);
    const div = document.createElement('div');
    div.innerHTML = html;
    const links = [...div.querySelectorAll('a')];
    expect(links).toHaveLength(1);
    expect(links.map((a) => a.getAttribute('href'))).toEqual([null]);
    expect([...div.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.value))).not.toContainEqual(expect.stringMatching(/javascript:/i));
  });

  it('removes iframes, forms, styles and svg', () => {
    const html = renderMarkdown('<iframe src="https://evil.example"></iframe><form action="/x"><input></form><style>body{}</style><svg><script>1</script></svg><p style="color:red">t</p>');
    for (const bad of ['<iframe', '<form', '<input', '<style', '<svg', 'style=']) expect(html).not.toContain(bad);
    expect(html).toContain('<p>t</p>');
  });

  it('opens links in a new tab without opener', () => {
    const html = renderMarkdown('[Kommunen](https://www.kommun.se/)');
    expect(html).toContain('href="https://www.kommun.se/"');
    expect(html).toContain('target="_blank"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it('renders an answer cut off mid-stream without leaking markup', () => {
    const html = renderMarkdown('Svaret är **halv');
    expect(html).toContain('Svaret är');
    expect(renderMarkdown('<scr')).not.toMatch(/<scr/);
  });
});

describe('linkCitations', () => {
  const label = (n: number) => `Source ${n}`;

  it('links the markers of existing sources only', () => {
    const html = linkCitations(renderMarkdown('Costs 500 kronor [1]. Online [2]. Not [3] or [0].'), 2, label);
    const div = document.createElement('div');
    div.innerHTML = html;
    const links = [...div.querySelectorAll('a.cite-ref')];
    expect(links.map((a) => a.getAttribute('data-n'))).toEqual(['1', '2']);
    expect(links[0].getAttribute('aria-label')).toBe('Source 1');
    expect(div.textContent?.trim()).toBe('Costs 500 kronor [1]. Online [2]. Not [3] or [0].');
  });

  it('leaves code, attributes and answers without sources alone', () => {
    const md = renderMarkdown('`arr[1]` and [link](https://a.se/x[1]) [1]');
    const html = linkCitations(md, 1, label);
    expect(html).toContain('<code>arr[1]</code>');
    expect(html.match(/cite-ref/g)).toHaveLength(1);
    expect(linkCitations(md, 0, label)).toBe(md);
  });

  it('escapes the label', () => {
    expect(linkCitations('<p>[1]</p>', 1, () => '"><script>')).not.toContain('"><script>');
  });
});

describe('renderMarkdown with citations', () => {
  it('links markers and still sanitises everything, attribute tricks included', () => {
    const html = renderMarkdown('Svar [1]. <a title="x>[1]<img src=x onerror=alert(1)>">t</a>', { count: 1, label: (n) => `Source ${n}` });
    const div = document.createElement('div');
    div.innerHTML = html;
    expect(div.querySelector('img[onerror]')).toBeNull();
    expect(html).not.toMatch(/onerror/i);
    const ref = div.querySelector('a.cite-ref');
    expect(ref?.getAttribute('data-n')).toBe('1');
    expect(ref?.hasAttribute('target')).toBe(false);
  });
});
