import { isoMs } from '../../contract/index.js';
import type { ReviewSelection } from '../store/index.js';
import { GUARDS, type Deps, type Request, type Route } from './context.js';
import { HttpError, clientIp, readJson, sendJson, stringField } from '../../web/index.js';
import { toReviewItemJson, type ReviewItemJson } from './review-json.js';
import { NOTE_MAX } from './routes-events.js';

const CAMERA_ID = /^[a-z0-9-]{1,32}$/;
const RULE_ID = /^[a-z0-9.-]{1,80}$/;
const EVENT_ID = /^[0-9a-fA-F-]{36}$/;

/** Review items (alerts grouped per camera and rule) and the acknowledgement of many at once. */
export const reviewRoutes: readonly Route[] = [
  { method: 'GET', pattern: /^\/api\/review$/, roles: GUARDS, handle: list },
  { method: 'POST', pattern: /^\/api\/events\/ack$/, roles: GUARDS, handle: ackMany },
];

/** The open item an (unacknowledged) event belongs to now, for the stream; undefined once it is acknowledged. */
export function openItemOf(d: Deps, eventId: string): ReviewItemJson | undefined {
  const windowMs = d.opts.config.review_window_s * 1000;
  const g = d.opts.store.dashboard('reading a review item', (q) => q.review.openItemOf(eventId, windowMs));
  return g && toReviewItemJson(g, d.names, d.opts.config);
}

function list({ url, res }: Request, d: Deps): void {
  const p = url.searchParams;
  const tab = p.get('tab') ?? 'open';
  if (tab !== 'open' && tab !== 'done') throw new HttpError(400, 'tab: expected open or done');
  const limit = p.has('limit') ? Number(p.get('limit')) : 200;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'limit: expected an integer 1..1000');
  const { config, clock, store } = d.opts;
  const now = clock.wall();
  const windowMs = config.review_window_s * 1000;
  const page = store.dashboard('listing review items', (q) =>
    tab === 'open' ? q.review.open(windowMs, limit) : q.review.done(windowMs, now - config.shift_h * 3_600_000, limit),
  );
  sendJson(res, 200, {
    tab,
    now: isoMs(now),
    total: page.total,
    items: page.items.map((g) => toReviewItemJson(g, d.names, config)),
  });
}

function idField(body: Record<string, unknown>, name: string, optional: true): string | undefined;
function idField(body: Record<string, unknown>, name: string, optional: false): string;
function idField(body: Record<string, unknown>, name: string, optional: boolean): string | undefined {
  const v = body[name];
  if ((v === undefined || v === null) && optional) return undefined;
  if (typeof v !== 'string' || !EVENT_ID.test(v)) throw new HttpError(400, `${name}: expected an event_id`);
  return v.toLowerCase();
}

/**
 * Acknowledges, with one note, every unacknowledged alert up to `through` (the newest the guard was shown): of one
 * item (`from` + `camera_id` + `rule_id`), of one camera (`camera_id`), or all. One transaction and one audit row
 * with the count, however many; the screens are told once to reload.
 */
async function ackMany({ req, res, session }: Request, d: Deps): Promise<void> {
  const body = await readJson(req);
  const through = idField(body, 'through', false);
  const from = idField(body, 'from', true);
  const cameraId = stringField(body, 'camera_id', 1, 32, true);
  const ruleId = stringField(body, 'rule_id', 1, 80, true);
  const note = stringField(body, 'note', 0, NOTE_MAX, true);
  if (cameraId !== undefined && !CAMERA_ID.test(cameraId)) throw new HttpError(400, 'camera_id: expected a camera id');
  if (ruleId !== undefined && !RULE_ID.test(ruleId)) throw new HttpError(400, 'rule_id: expected a rule id');
  if (from !== undefined && from > through) throw new HttpError(400, 'from: must not come after through');
  const sel: ReviewSelection = { through, ...(from !== undefined && { from }), ...(cameraId !== undefined && { cameraId }), ...(ruleId !== undefined && { ruleId }) };
  const at = d.opts.clock.wall();
  const ip = clientIp(req);
  const count = d.opts.store.dashboard(
    'acknowledging alerts',
    (q) =>
      q.review.acknowledgeMany(sel, { by: session.user, at, note: note || null }, (n) => ({
        at,
        user: session.user,
        action: 'ack_bulk',
        target: cameraId ?? null,
        detail: { count: n, through, ...(from && { from }), ...(cameraId && { camera_id: cameraId }), ...(ruleId && { rule_id: ruleId }), note_chars: note?.length ?? 0 },
        ip,
      })),
    true,
  );
  if (count > 0) d.sse.send({ acked: count, by: session.user }, 'review');
  sendJson(res, 200, { acked: count });
}
