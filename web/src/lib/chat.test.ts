import { describe, expect, it } from 'vitest';
import { applyChatEvent, emptyChat, sourceLabel } from './chat';

const ref = { id: 'b1', title: 'Bygglov.pdf', score: 0.8, chunk: { text: 'Bygglov krävs för...', chunk_no: 2 } };

describe('applyChatEvent', () => {
  it('folds first_chunk, text deltas and done into the answer', () => {
    let s = emptyChat();
    s = applyChatEvent(s, { event: 'first_chunk', data: JSON.stringify({ id: 'q1', session_id: 's1', answer: '', references: [] }) });
    s = applyChatEvent(s, { event: 'text', data: JSON.stringify({ session_id: 's1', answer: 'Du behöver ', references: [ref] }) });
    s = applyChatEvent(s, { event: 'text', data: JSON.stringify({ session_id: 's1', answer: 'bygglov.', references: [ref] }) });
    expect(s).toMatchObject({ id: 'q1', sessionId: 's1', answer: 'Du behöver bygglov.', done: false });
    expect(s.references).toEqual([ref]);
    s = applyChatEvent(s, { event: 'done', data: JSON.stringify({ id: 'q1', session_id: 's1', answer: 'Du behöver bygglov.', references: [ref], finish_reason: 'stop' }) });
    expect(s).toMatchObject({ done: true, finishReason: 'stop', error: null });
  });

  it('takes the answering model and the question flags from first_chunk', () => {
    const s = applyChatEvent(emptyChat(), {
      event: 'first_chunk',
      data: JSON.stringify({ id: 'q1', session_id: 's1', completion_model: { id: 'm', name: 'Lokal (offline)', offline: true }, flags: ['prompt_injection'] }),
    });
    expect(s.model).toEqual({ name: 'Lokal (offline)', offline: true });
    expect(s.flags).toEqual(['prompt_injection']);
  });

  it('replaces references with the cumulative list of each text event', () => {
    let s = applyChatEvent(emptyChat(), { event: 'text', data: JSON.stringify({ answer: 'a', references: [ref] }) });
    s = applyChatEvent(s, { event: 'text', data: JSON.stringify({ answer: 'b', references: [ref, { ...ref, id: 'b2' }] }) });
    expect(s.references.map((r) => r.id)).toEqual(['b1', 'b2']);
  });

  it('ends with the server error and its code', () => {
    const s = applyChatEvent(emptyChat(), { event: 'error', data: JSON.stringify({ session_id: 's1', error: 'the model is unavailable', error_code: 'unavailable' }) });
    expect(s.done).toBe(true);
    expect(s.error).toEqual({ message: 'the model is unavailable', code: 'unavailable' });
  });

  it('turns malformed data into an error instead of throwing', () => {
    const s = applyChatEvent(emptyChat(), { event: 'text', data: '{not json' });
    expect(s.done).toBe(true);
    expect(s.error?.code).toBe('internal');
  });

  it('appends the legacy unnamed events and ignores unknown ones', () => {
    let s = applyChatEvent(emptyChat(), { event: 'message', data: JSON.stringify({ answer: 'Hej' }) });
    s = applyChatEvent(s, { event: 'something_new', data: JSON.stringify({ answer: 'X' }) });
    expect(s.answer).toBe('Hej');
  });
});

describe('sourceLabel', () => {
  it('prefers the page address, then the title', () => {
    expect(sourceLabel({ ...ref, url: 'https://kommun.se/bygglov' })).toBe('https://kommun.se/bygglov');
    expect(sourceLabel(ref)).toBe('Bygglov.pdf');
  });
});
