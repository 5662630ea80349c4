// What the sidebar and the home page share with the chat: the user's
// conversations across assistants, the assistants they may use, their
// spaces, and a question the home page hands to the chat it opens.
import { api, ok, type Schemas } from './api';
import { t } from './i18n/index.svelte';

type Summary = Schemas['SessionSummary'];

export const workspace = $state({
  conversations: [] as Summary[],
  conversationsLoaded: false,
  assistants: [] as Schemas['Assistant'][],
  spaces: [] as Schemas['Space'][],
  personalSpace: '',
  maxQuestionChars: 20000,
  loaded: false,
});

// loadConversations fetches the newest conversations, those whose title
// contains search when it is given.
export async function loadConversations(search = ''): Promise<void> {
  const query = search ? { limit: 100, search } : { limit: 100 };
  const list = await ok(api.GET('/api/v1/conversations/', { params: { query } })).catch(() => null);
  workspace.conversations = list?.items ?? [];
  workspace.conversationsLoaded = true;
}

// loadWorkspace fetches assistants, spaces and limits once per sign-in.
export async function loadWorkspace(force = false): Promise<void> {
  if (workspace.loaded && !force) return;
  const [assistants, spaces, personal, limits] = await Promise.all([
    ok(api.GET('/api/v1/assistants/')).catch(() => null),
    ok(api.GET('/api/v1/spaces/')).catch(() => null),
    ok(api.GET('/api/v1/spaces/type/personal/')).catch(() => null),
    ok(api.GET('/api/v1/chat/limits/')).catch(() => null),
  ]);
  workspace.assistants = assistants?.items ?? [];
  const items = spaces?.items ?? [];
  if (personal && !items.some((s) => s.id === personal.id)) items.unshift(personal);
  workspace.spaces = items.sort((a, b) => Number(!!b.personal) - Number(!!a.personal));
  workspace.personalSpace = personal?.id ?? '';
  if (limits?.max_question_chars) workspace.maxQuestionChars = limits.max_question_chars;
  workspace.loaded = true;
}

export function resetWorkspace(): void {
  workspace.conversations = [];
  workspace.conversationsLoaded = false;
  workspace.assistants = [];
  workspace.spaces = [];
  workspace.loaded = false;
}

// upsertConversation shows a conversation at the top of the list as soon
// as it starts, or renames it in place.
export function upsertConversation(s: Summary): void {
  const i = workspace.conversations.findIndex((c) => c.id === s.id);
  if (i >= 0) workspace.conversations[i] = { ...workspace.conversations[i], ...s };
  else workspace.conversations.unshift(s);
}

export function dropConversation(id: string): void {
  workspace.conversations = workspace.conversations.filter((c) => c.id !== id);
}

export function assistantName(id: string | undefined): string {
  return workspace.assistants.find((a) => a.id === id)?.name ?? '';
}

// spaceName is a space's name as the user knows it (their own personal
// space is "My personal space", the organisation's "Organisation space").
export function spaceName(id: string | undefined): string {
  const s = workspace.spaces.find((sp) => sp.id === id);
  if (s?.personal) return t('spaces.personal');
  if (s?.kind === 'organization') return t('spaces.organisation');
  return s?.name ?? '';
}

// The default assistant: the one last chatted with, else the first of the
// personal space, else the first the user may use.
const LAST = 'agora.assistant';

export function defaultAssistant(): string {
  const last = globalThis.localStorage?.getItem(LAST);
  if (last && workspace.assistants.some((a) => a.id === last)) return last;
  const personal = workspace.assistants.find((a) => a.space_id === workspace.personalSpace);
  return personal?.id ?? workspace.assistants[0]?.id ?? '';
}

export function rememberAssistant(id: string): void {
  globalThis.localStorage?.setItem(LAST, id);
}

// A question the home page asks in the chat it opens.
export interface Pending {
  assistantId: string;
  question: string;
  files: Attached[];
}

export interface Attached {
  id: string;
  name: string;
}

let pending: Pending | null = null;

export function handOver(p: Pending): void {
  pending = p;
}

export function takePending(assistantId: string): Pending | null {
  if (!pending || pending.assistantId !== assistantId) return null;
  const p = pending;
  pending = null;
  return p;
}
