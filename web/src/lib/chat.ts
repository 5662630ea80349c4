// The chat stream's events folded into what the page shows: the answer so far,
// its sources, and how it ended. See API.md, "Streaming chat (SSE)".
import type { SSEMessage } from './sse';
import type { components } from './api/schema';

export type Reference = components['schemas']['domain.Reference'];

export interface ChatState {
  id: string;
  sessionId: string;
  answer: string;
  references: Reference[];
  done: boolean;
  finishReason: string;
  error: { message: string; code: string } | null;
  // model is the one answering; offline is the built-in model that only
  // quotes documents.
  model: { name: string; offline: boolean };
  // flags are the question's warnings, such as prompt_injection.
  flags: string[];
}

export function emptyChat(): ChatState {
  return { id: '', sessionId: '', answer: '', references: [], done: false, finishReason: '', error: null, model: { name: '', offline: false }, flags: [] };
}

interface EventData {
  id?: string;
  session_id?: string;
  answer?: string;
  references?: Reference[];
  finish_reason?: string;
  error?: string;
  error_code?: string;
  completion_model?: { name?: string; offline?: boolean };
  flags?: string[];
}

// applyChatEvent returns the state after one message; it never throws, so a
// malformed event ends the answer with an error instead of breaking the page.
export function applyChatEvent(state: ChatState, msg: SSEMessage): ChatState {
  let data: EventData;
  try {
    data = JSON.parse(msg.data) as EventData;
  } catch {
    return { ...state, done: true, error: { message: 'malformed event from the server', code: 'internal' } };
  }
  const next: ChatState = {
    ...state,
    id: data.id || state.id,
    sessionId: data.session_id || state.sessionId,
  };
  switch (msg.event) {
    case 'first_chunk':
      return {
        ...next,
        answer: data.answer ?? '',
        references: data.references ?? [],
        model: { name: data.completion_model?.name ?? '', offline: !!data.completion_model?.offline },
        flags: data.flags ?? [],
      };
    case 'text':
    case 'message': // the legacy assistant routes send unnamed events with the delta
      return { ...next, answer: state.answer + (data.answer ?? ''), references: data.references ?? state.references };
    case 'done':
      return {
        ...next,
        answer: data.answer ?? state.answer,
        references: data.references ?? state.references,
        finishReason: data.finish_reason ?? '',
        done: true,
      };
    case 'error':
      return { ...next, done: true, error: { message: data.error ?? 'the answer failed', code: data.error_code ?? 'internal' } };
    default:
      return state;
  }
}

// sourceLabel is what a reference shows as its source: the page address for
// websites, otherwise the document title.
export function sourceLabel(ref: Reference): string {
  return ref.url || ref.title || ref.id || '';
}
