import { describe, expect, it } from 'vitest';
import en from './en';
import sv from './sv';
import { loadLanguage, translate, type Key } from './index.svelte';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// Every page and module of the UI, as text (Vite reads them at test time).
const sources = import.meta.glob(['/src/**/*.svelte', '/src/**/*.ts', '!/src/**/*.test.ts', '!/src/**/*.d.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

describe('dictionaries', () => {
  it('have the same keys in Swedish and English', () => {
    expect(Object.keys(sv).sort()).toEqual(Object.keys(en).sort());
  });

  it('have no empty string and the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as Key[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(sv[key].trim(), key).not.toBe('');
      expect(placeholders(sv[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('contain every key the pages use', () => {
    const used = new Set<string>();
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    for (const text of Object.values(sources)) {
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z_.]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !(k in en));
    expect(missing).toEqual([]);
  });

  it('cover the keys pages build from values', () => {
    const built = [
      ...['owner', 'admin', 'editor', 'viewer', 'admins', 'editors', 'viewers'].map((r) => `role.${r}`),
      ...['queued', 'in_progress', 'complete', 'failed', 'cancelled'].map((s) => `job.${s}`),
      ...['queued', 'ready', 'failed'].map((s) => `blob.${s}`),
      ...['invited', 'active', 'deactivated'].map((s) => `users.state.${s}`),
      ...['read', 'write', 'admin'].map((s) => `keys.scope.${s}`),
      ...['completion', 'embedding', 'transcription', 'rerank'].map((s) => `models.kind.${s}`),
      ...['crawl', 'sitemap'].map((s) => `website.type.${s}`),
      ...['invalid', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'too_large', 'unsupported_media_type', 'rate_limited', 'quota_exceeded', 'unavailable', 'internal'].map((c) => `error.${c}`),
      ...['User', 'AI Configurator', 'Owner'].map((r) => `predefinedRole.${r}`),
      ...['never', 'daily', 'every_other_day', 'weekly'].map((s) => `website.interval.${s}`),
      ...['text', 'audio', 'image', 'other'].map((s) => `doctype.${s}`),
      ...['openai', 'anthropic', 'azure', 'vllm', 'mistral', 'berget', 'ollama', 'local'].map((s) => `providers.type.${s}`),
      ...['completion', 'embedding', 'transcription', 'rerank'].map((s) => `providers.kindOne.${s}`),
      ...['app', 'service', 'workflow'].flatMap((k) => [`flows.new.${k}`, `flows.kind.${k}`, `flows.newTitle.${k}`, `flows.editTitle.${k}`]),
      ...['queued', 'in_progress', 'complete', 'failed', 'cancelled', 'skipped', 'waiting'].map((s) => `flows.status.${s}`),
      ...['prompt', 'extract', 'condition', 'retrieve', 'transcribe', 'assistant', 'http'].map((s) => `flows.stepKind.${s}`),
      ...['text', 'file', 'recording'].map((s) => `flows.fieldType.${s}`),
      ...['then', 'else'].map((s) => `flows.editor.${s}`),
      ...['auth', 'quota', 'rate_limited', 'unavailable', 'bad_request', 'address_refused', 'dimensions_mismatch'].map((s) => `providers.problem.${s}`),
    ];
    expect(built.filter((k) => !(k in en))).toEqual([]);
  });
});

describe('translate', () => {
  it('fills placeholders and switches language', async () => {
    await loadLanguage('en');
    await loadLanguage('sv');
    expect(translate('en', 'knowledge.counts', { docs: 2, chunks: 14 })).toBe('documents: 2, passages: 14');
    expect(translate('sv', 'knowledge.counts', { docs: 2, chunks: 14 })).toBe('dokument: 2, textavsnitt: 14');
    expect(translate('sv', 'login.submit')).toBe('Logga in');
  });
});
