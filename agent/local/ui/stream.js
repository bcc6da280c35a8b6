// The live feed: GET /api/stream (server-sent events). The browser's own EventSource retry has no backoff and gives
// no signal a guard can see, so on error we close it, show the "connection lost" banner and reconnect with
// full-jitter exponential backoff (1 s → 30 s). After a reconnect the caller refetches, so nothing missed is lost.

const MIN_MS = 1000;
const MAX_MS = 30_000;

/**
 * startStream({ onEvent(obj, kind), onUp(wasDown), onDown(), onRetry() }) → stop(). onRetry runs before each reconnection. `kind` is the SSE event name ('message' when the
 * server sends unnamed messages).
 */
export function startStream({ onEvent, onUp, onDown, onRetry = () => {}, names = [] }) {
  let es = null;
  let attempt = 0;
  let retryTimer = null;
  let stopped = false;
  let down = false;

  const handle = (kind) => (msg) => {
    let data;
    try {
      data = JSON.parse(msg.data);
    } catch {
      return; // a keep-alive or something this page does not understand
    }
    onEvent(data, kind);
  };

  function open() {
    if (stopped) return;
    es = new EventSource('/api/stream', { withCredentials: true });
    es.addEventListener('open', () => {
      attempt = 0;
      const wasDown = down;
      down = false;
      onUp(wasDown);
    });
    es.addEventListener('message', handle('message'));
    for (const n of names) es.addEventListener(n, handle(n));
    es.addEventListener('error', () => {
      es.close();
      es = null;
      if (!down) {
        down = true;
        onDown();
      }
      const cap = Math.min(MAX_MS, MIN_MS * 2 ** attempt);
      attempt += 1;
      retryTimer = setTimeout(() => (onRetry(), open()), MIN_MS / 2 + Math.random() * cap);
    });
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    es?.close();
  };
}
