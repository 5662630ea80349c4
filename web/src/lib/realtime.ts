// The WebSocket at /api/v1/ws: job progress (uploads, transcription, crawls)
// and crawl runs, pushed by the server. One connection per tab; it reconnects
// with backoff and re-subscribes.
import { auth } from './auth.svelte';

export interface Update {
  id: string;
  status?: string;
  progress?: number;
  message?: string;
  [k: string]: unknown;
}
type Listener = (channel: string, u: Update) => void;

const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let retry = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

export function onUpdate(l: Listener): () => void {
  listeners.add(l);
  connect();
  return () => listeners.delete(l);
}

export function connected(): boolean {
  return socket?.readyState === WebSocket.OPEN;
}

function connect(): void {
  if (socket || !auth.accessToken) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
  const ws = new WebSocket(url, ['agora', `auth_${auth.accessToken}`]);
  socket = ws;
  ws.onopen = () => {
    retry = 0;
    for (const channel of ['job_updates', 'crawl_run_updates', 'app_run_updates']) {
      ws.send(JSON.stringify({ type: 'subscribe', data: { channel } }));
    }
  };
  ws.onmessage = (e) => {
    try {
      const msg = JSON.parse(String(e.data)) as { type: string; data?: Update };
      if (msg.data && msg.type !== 'pong') for (const l of listeners) l(msg.type, msg.data);
    } catch {
      /* not ours */
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return; // an older socket, already replaced
    socket = null;
    if (listeners.size === 0) return;
    clearTimeout(timer);
    timer = setTimeout(connect, Math.min(30000, 500 * 2 ** retry++));
  };
}

export function disconnect(): void {
  clearTimeout(timer);
  socket?.close();
  socket = null;
}
