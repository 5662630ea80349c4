// Server-sent events as the chat API sends them: named events with JSON data,
// comment lines as keep-alives. parseSSE reads any byte stream, so it works on
// fetch bodies (EventSource cannot POST) and in unit tests alike.

export interface SSEMessage {
  event: string;
  data: string;
}

// SSEParser turns text, fed in arbitrary pieces, into whole messages.
export class SSEParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  // push adds a piece of text and returns the messages it completed.
  push(text: string): SSEMessage[] {
    this.buffer += text;
    const out: SSEMessage[] = [];
    let nl: number;
    while ((nl = this.nextLineEnd()) >= 0) {
      let line = this.buffer.slice(0, nl);
      const skip = this.buffer[nl] === '\r' && this.buffer[nl + 1] === '\n' ? 2 : 1;
      this.buffer = this.buffer.slice(nl + skip);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    return out;
  }

  // end flushes a message left without its blank line when the stream closed.
  end(): SSEMessage[] {
    const rest = this.buffer ? this.push('\n') : [];
    const last = this.line('');
    return last ? [...rest, last] : rest;
  }

  private nextLineEnd(): number {
    const n = this.buffer.indexOf('\n');
    const r = this.buffer.indexOf('\r');
    if (r >= 0 && r === this.buffer.length - 1) return n; // a lone \r may be half of \r\n
    if (n < 0) return r;
    if (r < 0) return n;
    return Math.min(n, r);
  }

  private line(line: string): SSEMessage | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return null;
      }
      const msg = { event: this.event || 'message', data: this.data.join('\n') };
      this.event = '';
      this.data = [];
      return msg;
    }
    if (line.startsWith(':')) return null; // comment, e.g. ": ping"
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return null;
  }
}

// readSSE yields the messages of a byte stream until it ends.
export async function* readSSE(body: ReadableStream<Uint8Array>): AsyncGenerator<SSEMessage> {
  const parser = new SSEParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    reader.releaseLock();
  }
}
