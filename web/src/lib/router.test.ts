import { describe, expect, it } from 'vitest';
import { match, safeNext } from './router.svelte';

describe('match', () => {
  it('names the parts of a path', () => {
    expect(match('/chat/:aid/:sid', '/chat/a1/s2')).toEqual({ aid: 'a1', sid: 's2' });
    expect(match('/spaces/:id', '/spaces/x/y')).toBeNull();
    expect(match('/admin/users', '/admin/users/')).toEqual({});
  });
});

describe('safeNext', () => {
  it('keeps paths of this site only', () => {
    expect(safeNext('/spaces/1?x=2')).toBe('/spaces/1?x=2');
    for (const bad of [null, '', 'https://evil.example/', '//evil.example/', '/\\evil.example/', 'javascript:alert(1)', '/\u0000x']) {
      expect(safeNext(bad), String(bad)).toBe('/');
    }
  });
});
