import type { LocalConfig } from '../config/index.js';
import { isoMs } from '../../contract/index.js';
import type { ReviewGroup } from '../store/index.js';
import { toEventJson, type EventJson } from './event-json.js';
import type { Names } from './names.js';

/** One review item as the API shows it (docs/local-api.md, "Review items"). */
export interface ReviewItemJson {
  readonly item_id: string;
  readonly camera_id: string;
  readonly camera_name: string | null;
  readonly rule_id: string;
  readonly type: EventJson['type'];
  readonly severity: EventJson['severity'];
  readonly count: number;
  readonly first_at: string;
  readonly last_at: string;
  /** The newest violation's event id: acknowledging the item acknowledges up to here, not what arrives later. */
  readonly through: string;
  readonly ongoing: boolean;
  readonly snoozed: boolean;
  /** When an open critical item escalates (first violation + `local.escalate_after_min`); null otherwise. */
  readonly escalate_at: string | null;
  readonly acked_at: string | null;
  /** The newest violation (its picture, place, people, and on done items its acknowledgement). */
  readonly latest: EventJson;
}

export function toReviewItemJson(g: ReviewGroup, names: Names, config: Pick<LocalConfig, 'escalate_after_min'>): ReviewItemJson {
  const latest = toEventJson(g.latest, names);
  const open = g.ackedAt === null;
  return {
    item_id: g.itemId,
    camera_id: g.cameraId,
    camera_name: names.camera(g.cameraId),
    rule_id: g.ruleId,
    type: latest.type,
    severity: g.severity,
    count: g.count,
    first_at: isoMs(g.firstAt),
    last_at: isoMs(g.lastAt),
    through: g.lastId,
    ongoing: g.ongoing,
    snoozed: g.snoozed,
    escalate_at: open && g.severity === 'critical' ? isoMs(g.firstAt + config.escalate_after_min * 60_000) : null,
    acked_at: g.ackedAt === null ? null : isoMs(g.ackedAt),
    latest,
  };
}
