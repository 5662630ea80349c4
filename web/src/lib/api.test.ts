import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, errorText, splitError, DETAIL } from './api';
import { setLang } from './i18n/index.svelte';

describe('errorText', () => {
  afterEach(async () => await setLang('en'));

  it('shows the server message in English', async () => {
    await setLang('en');
    expect(errorText(new ApiError('wrong e-mail or password', 401, 'unauthenticated'))).toBe('wrong e-mail or password');
  });

  it('leads with the kind of error in Swedish and keeps the server detail', async () => {
    await setLang('sv');
    const shown = splitError(errorText(new ApiError('wrong e-mail or password', 401, 'unauthenticated')));
    expect(shown).toEqual({ text: 'Du är inte inloggad, eller så stämde uppgifterna inte.', detail: 'wrong e-mail or password' });
    expect(errorText(new ApiError('odd', 500, 'something_new'))).toBe(`Något gick fel på servern.${DETAIL}odd`);
  });

  it('says common server messages precisely in Swedish, with no English in the text', async () => {
    await setLang('sv');
    const file = splitError(errorText(new ApiError('virus.exe is a kind of file that cannot be attached; attach PDF, Word', 415, 'unsupported_media_type')));
    expect(file.text).toBe('Den sortens fil kan inte användas här. Använd PDF, Word, PowerPoint, Excel, CSV, Markdown, text eller HTML.');
    expect(file.detail).toContain('virus.exe');
    expect(splitError(errorText(new ApiError('name must be 1 to 200 characters', 400, 'invalid'))).text).toBe('Namnet måste vara 1–200 tecken.');
  });

  it('says a network failure in words', async () => {
    await setLang('sv');
    expect(errorText(new TypeError('Failed to fetch'))).toBe('Servern gick inte att nå. Kontrollera anslutningen och försök igen.');
  });

  it('shows a plain error as it is', () => {
    expect(errorText(new Error('network down'))).toBe('network down');
  });
});
