// The page's calls to its own origin's /ui/api/: JSON in and out, the CSRF token on every state change, and a
// failed call as an Error carrying the HTTP status (401 → sign in again, 403 → outside your scope).

let csrf = '';

export function setCsrf(token) {
  csrf = token ?? '';
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/ui/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error(data.error ?? `HTTP ${res.status}`);
    e.status = res.status;
    throw e;
  }
  return data;
}

/** An alert's picture as an object URL (fetched on demand; every view is written to the hub's access log). */
export async function pictureUrl(fid, eventId) {
  const res = await fetch(`/ui/api/pictures/${encodeURIComponent(fid)}/${encodeURIComponent(eventId)}`, { credentials: 'same-origin' });
  if (!res.ok) {
    const e = new Error(`HTTP ${res.status}`);
    e.status = res.status;
    throw e;
  }
  return URL.createObjectURL(await res.blob());
}
