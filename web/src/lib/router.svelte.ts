// A small history router: the server answers every UI path with index.html,
// so real paths work as deep links and in the browser's history.

export const route = $state({ path: location.pathname, query: new URLSearchParams(location.search) });

export function navigate(to: string, replace = false): void {
  const url = new URL(to, location.origin);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  route.path = url.pathname;
  route.query = url.searchParams;
  globalThis.scrollTo?.(0, 0);
}

addEventListener('popstate', () => {
  route.path = location.pathname;
  route.query = new URLSearchParams(location.search);
});

// safeNext keeps a "next" address only when it is a path on this site.
export function safeNext(next: string | null): string {
  if (!next || !/^\/(?![/\\])/.test(next) || /[\u0000-\u001f]/.test(next)) return '/';
  return next;
}

// match returns the named parts of path for a pattern such as
// "/spaces/:id", or null when it does not fit.
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

// link makes an <a href> navigate inside the app on a plain click, keeping
// the browser's own behaviour for new tabs and windows.
export function link(node: HTMLAnchorElement) {
  const onclick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const href = node.getAttribute('href');
    if (!href || !href.startsWith('/') || node.target) return;
    e.preventDefault();
    navigate(href);
  };
  node.addEventListener('click', onclick);
  return { destroy: () => node.removeEventListener('click', onclick) };
}
