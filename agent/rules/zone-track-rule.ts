import type { Box, Detections, EpochMs, MonoMs, RuleEvent, RuleType } from '../shared/types.js';
import { RuleConfigError } from './errors.js';
import { COMMON_DEFAULTS, confirmed, ruleEvent, type CommonRuleOptions, type Tracked } from './emit.js';
import type { Rule } from './rule.js';
import type { Thumbnail } from './thumbnail.js';
import { TrackTable } from './track-table.js';
import { ZonePresence, type Presence, type ZoneRuleConfig } from './zone-presence.js';

interface TrackState {
  readonly presence: Presence;
  /** A violation for this (zone, track) is open. */
  open: boolean;
  /** This (zone, track) has had its violation; it gets no second one. */
  reported: boolean;
  box: Box;
  score: number;
}

/**
 * The part the zone rules share: per-track presence in one zone (see ZonePresence), a condition
 * checked on every frame the track is in, and the lifecycle of its violation:
 * - start on the first frame the condition holds while the rule is active (not in an allowed
 *   schedule window); a person who entered during an allowed window and stays on is reported
 *   once the window closes;
 * - end when the track counts as out again, or the track ended (or went stale);
 * - at most one violation per (zone, track): a person who steps out and back in does not raise a
 *   second alarm for the same zone (ANALYTICS.md: one violation per zone and person).
 */
export abstract class ZoneTrackRule implements Rule {
  abstract readonly type: RuleType;
  abstract readonly version: number;
  readonly id: string;
  readonly zoneId: string;
  protected readonly presence: ZonePresence;
  private readonly activeAt: (wallTs: EpochMs) => boolean;
  private readonly cls: string;
  private readonly tracks: TrackTable<TrackState>;

  protected constructor(zone: ZoneRuleConfig, defaultId: string, options: CommonRuleOptions) {
    this.presence = new ZonePresence(zone);
    this.zoneId = this.presence.zoneId;
    this.id = options.id ?? defaultId;
    this.activeAt = options.activeAt ?? (() => true);
    this.cls = options.cls ?? COMMON_DEFAULTS.cls;
    const staleS = options.staleS ?? COMMON_DEFAULTS.staleS;
    if (!(staleS > 0)) throw new RuleConfigError(`${this.id}: staleS must be > 0`);
    this.tracks = new TrackTable(staleS * 1000);
  }

  /** Whether the condition holds for a track that counts as in the zone since `since`. */
  protected abstract holds(since: MonoMs, now: MonoMs): boolean;

  update(dets: Detections, _thumbnail?: Thumbnail): RuleEvent[] {
    const events: RuleEvent[] = [];
    for (const d of confirmed(dets, this.cls)) {
      const s = this.tracks.touch(d.trackId, dets.ts, () => ({
        presence: ZonePresence.initial(),
        open: false,
        reported: false,
        box: d.box,
        score: d.score,
      }));
      s.box = d.box;
      s.score = d.score;
      const change = this.presence.step(s.presence, d.box, dets.ts);
      if (change === 'leave' && s.open) {
        s.open = false;
        events.push(this.event(dets, 'end', d.trackId, s));
      }
      const since = s.presence.since;
      // `flips > 0` while inside: the feet are out on this frame and a leave is being confirmed;
      // those frames are not time in the zone.
      const inNow = s.presence.inside && s.presence.flips === 0;
      if (inNow && since !== null && !s.reported && this.holds(since, dets.ts) && this.activeAt(dets.wallTs)) {
        s.open = true;
        s.reported = true;
        events.push(this.event(dets, 'start', d.trackId, s, d));
      }
    }
    for (const [id, s] of this.tracks.sweep(dets.ts)) if (s.open) events.push(this.event(dets, 'end', id, s));
    return events;
  }

  endTracks(trackIds: readonly number[], dets: Detections): RuleEvent[] {
    const events: RuleEvent[] = [];
    for (const id of trackIds) {
      const s = this.tracks.take(id);
      if (s?.open) events.push(this.event(dets, 'end', id, s));
    }
    return events;
  }

  stateSize(): number {
    return this.tracks.size;
  }

  private event(dets: Detections, phase: 'start' | 'end', trackId: number, s: TrackState, d?: Tracked): RuleEvent {
    return ruleEvent(this, dets, phase, `${this.zoneId}:${trackId}`, {
      trackIds: [trackId],
      boxes: [d?.box ?? s.box],
      people: 1,
      confidence: d?.score ?? s.score,
      zoneId: this.zoneId,
    });
  }
}
