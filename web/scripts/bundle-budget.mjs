// Reports the JavaScript each route loads (gzip) from the build manifest,
// and fails when the chat route is over its budget. Run after `vite build`.
//   node scripts/bundle-budget.mjs
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const BUDGET_KB = 100; // the chat route's JavaScript, gzip
const dist = new URL('../dist/app/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

const gz = new Map();
function gzipKB(file) {
  if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(dist, file)), { level: 9 }).length / 1024);
  return gz.get(file);
}

// closure returns the JS files a chunk loads before it runs: itself and
// its static imports, transitively (dynamic imports load later).
function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  if (chunk.file.endsWith('.js')) seen.add(chunk.file);
  for (const dep of chunk.imports ?? []) closure(dep, seen);
  return seen;
}

const sum = (files) => [...files].reduce((n, f) => n + gzipKB(f), 0);
// Every page loads the entry and one language's dictionary (the larger,
// Swedish, is counted) before it shows anything.
const entry = closure('index.html');
for (const f of closure('src/lib/i18n/sv.ts')) entry.add(f);
const routes = [
  ['chat (/chat/…)', []],
  ['home (/)', ['src/pages/Home.svelte']],
  ['space', ['src/pages/Space.svelte']],
  ['collection', ['src/pages/Collection.svelte']],
  ['assistant editor', ['src/pages/AssistantEditor.svelte']],
  ['sign-in', ['src/pages/Login.svelte']],
  ['admin: users', ['src/pages/admin/Users.svelte']],
  ['admin: usage', ['src/pages/admin/Usage.svelte']],
];
console.log('route                 JS gzip (kB)');
let chat = 0;
for (const [name, pages] of routes) {
  const files = new Set(entry);
  for (const p of pages) {
    if (!manifest[p]) throw new Error(`${p} is not a chunk of its own in the build`);
    for (const f of closure(p)) files.add(f);
  }
  const kb = sum(files);
  if (pages.length === 0) chat = kb;
  console.log(`${name.padEnd(22)}${kb.toFixed(1).padStart(8)}`);
}
const hl = Object.values(manifest).find((c) => c.src === 'src/lib/highlight.ts');
if (!hl || entry.has(hl.file)) throw new Error('the highlighter must be a chunk loaded on demand');
console.log(`${'highlighter (lazy)'.padEnd(22)}${gzipKB(hl.file).toFixed(1).padStart(8)}`);
if (chat > BUDGET_KB) {
  console.error(`the chat route loads ${chat.toFixed(1)} kB of JavaScript (gzip), over its budget of ${BUDGET_KB} kB`);
  process.exit(1);
}
console.log(`chat route within its budget: ${chat.toFixed(1)} of ${BUDGET_KB} kB`);
