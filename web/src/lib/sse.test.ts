import { describe, expect, it } from 'vitest';
import { SSEParser, readSSE } from './sse';

function streamOf(...pieces: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const p of pieces) c.enqueue(enc.encode(p));
      c.close();
    },
  });
}

describe('SSEParser', () => {
  it('reads named events with JSON data and skips comments', () => {
    const p = new SSEParser();
    const got = p.push(': ping\n\nevent: first_chunk\ndata: {"answer":""}\n\nevent: text\ndata: {"answer":"Hej"}\n\n');
    expect(got).toEqual([
      { event: 'first_chunk', data: '{"answer":""}' },
      { event: 'text', data: '{"answer":"Hej"}' },
    ]);
  });

  it('joins a message split anywhere, including inside \\r\\n', () => {
    const text = 'event: text\r\ndata: {"answer":"a"}\r\n\r\nevent: done\r\ndata: {"answer":"ab"}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SSEParser();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.end()];
      expect(got.map((m) => m.event), `cut at ${cut}`).toEqual(['text', 'done']);
      expect(got[1].data).toBe('{"answer":"ab"}');
    }
  });

  it('joins multi-line data, defaults the event name and drops empty events', () => {
    const p = new SSEParser();
    expect(p.push('data: one\ndata: two\n\nevent: x\n\n')).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('keeps the value after "data:" without a space, and a value holding colons', () => {
    const p = new SSEParser();
    expect(p.push('data:{"url":"https://a.se"}\n\n')).toEqual([{ event: 'message', data: '{"url":"https://a.se"}' }]);
  });

  it('flushes a last message without its blank line at the end', () => {
    const p = new SSEParser();
    expect(p.push('event: done\ndata: {}')).toEqual([]);
    expect(p.end()).toEqual([{ event: 'done', data: '{}' }]);
  });
});

describe('readSSE', () => {
  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('event: text\ndata: {"answer":"Bygglov får sökas"}\n\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "å"
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, cut));
        c.enqueue(bytes.slice(cut));
        c.close();
      },
    });
    const got = [];
    for await (const m of readSSE(body)) got.push(m);
    expect(got).toEqual([{ event: 'text', data: '{"answer":"Bygglov får sökas"}' }]);
  });

  it('yields every event of a stream in order', async () => {
    const got = [];
    for await (const m of readSSE(streamOf('event: a\ndata: 1\n\n', 'event: b\nda', 'ta: 2\n\n'))) got.push(m.event + m.data);
    expect(got).toEqual(['a1', 'b2']);
  });
});
