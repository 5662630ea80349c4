import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, errorText } from './api';
import { setLang } from './i18n/index.svelte';

describe('errorText', () => {
  afterEach(async () => await setLang('en'));

  it('shows the server message in English', async () => {
    await setLang('en');
    expect(errorText(new ApiError('wrong e-mail or password', 401, 'unauthenticated'))).toBe('wrong e-mail or password');
  });

  it('leads with the kind of error in Swedish and keeps the server detail', async () => {
    await setLang('sv');
    expect(errorText(new ApiError('wrong e-mail or password', 401, 'unauthenticated'))).toBe(
      'Du är inte inloggad, eller så stämde uppgifterna inte. (wrong e-mail or password)',
    );
    expect(errorText(new ApiError('odd', 500, 'something_new'))).toBe('Något gick fel på servern. (odd)');
  });

  it('shows a plain error as it is', () => {
    expect(errorText(new Error('network down'))).toBe('network down');
  });
});
