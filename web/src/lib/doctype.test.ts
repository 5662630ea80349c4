import { describe, expect, it } from 'vitest';
import { docType } from './doctype';

describe('docType', () => {
  it('names common documents without MIME jargon', () => {
    expect(docType('application/pdf')).toBe('PDF');
    expect(docType('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBe('Word');
    expect(docType('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBe('Excel');
    expect(docType('text/markdown; charset=utf-8')).toBe('Markdown');
    expect(docType('text/plain')).toBe('text');
    expect(docType('audio/mpeg')).toBe('audio');
    expect(docType('application/x-unknown')).toBe('');
    expect(docType(undefined)).toBe('');
  });
});
