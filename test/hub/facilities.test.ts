// FacilityTracker's plausibility bounds: how far a seq or a session may jump before the hub refuses it.
import { describe, expect, it } from 'vitest';
import { BirthPayload, MAX_SEQ_RATE_PER_S, MAX_SESSION_AHEAD_S, MAX_SESSION_JUMP, SEQ_JUMP_SLACK, buildBirth } from '../../contract/index.js';
import { FacilityTracker } from '../../hub/facilities.js';
import { BIRTH } from '../uplink/identity.js';

const T = Date.UTC(2026, 0, 1);
const birth = (session: number, lastSeq: number) => BirthPayload.parse(JSON.parse(buildBirth('bg-0137', session, T, BIRTH, lastSeq).toString()));

/** A tracker on a wall clock the test moves. */
function tracker(): { t: FacilityTracker; advance: (ms: number) => void } {
  let wall = T;
  return { t: new FacilityTracker(() => wall), advance: (ms) => (wall += ms) };
}

describe('FacilityTracker: a seq may jump only as far as the facility could have produced since its highest', () => {
  it('right after its highest seq: the slack and no more; +999,999 and 2^53 − 1 are refused and change nothing', () => {
    const { t } = tracker();
    t.load(new Map([['bg-0137', { seq: 500, at: T }]]), new Map());
    expect(t.admitSeq('bg-0137', 500 + 999_999)).toBe(false);
    expect(t.admitSeq('bg-0137', Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(t.highestSeq('bg-0137')).toBe(500);
    expect(t.admitSeq('bg-0137', 500 + SEQ_JUMP_SLACK + 1)).toBe(false);
    expect(t.admitSeq('bg-0137', 500 + SEQ_JUMP_SLACK)).toBe(true);
    expect(t.highestSeq('bg-0137')).toBe(500 + SEQ_JUMP_SLACK);
    expect(t.admitSeq('bg-0137', 3)).toBe(true); // below the highest: a resend, a late row
    expect(t.highestSeq('bg-0137')).toBe(500 + SEQ_JUMP_SLACK);
  });

  it('credit grows with the time since the highest seq at MAX_SEQ_RATE_PER_S (an outage’s backlog), and is spent by a jump', () => {
    const { t, advance } = tracker();
    t.load(new Map([['bg-0137', { seq: 100, at: T }]]), new Map());
    advance(3_600_000); // an hour without a seq from this facility
    const hour = 3600 * MAX_SEQ_RATE_PER_S;
    expect(t.seqCeiling('bg-0137')).toBe(100 + SEQ_JUMP_SLACK + hour);
    expect(t.admitSeq('bg-0137', 100 + hour)).toBe(true);
    // The jump used the hour: the next may only go the slack further.
    expect(t.admitSeq('bg-0137', 100 + hour + SEQ_JUMP_SLACK + 1)).toBe(false);
  });

  it('a facility the hub has never heard of starts at the slack; its first birth’s last_seq sets the base', () => {
    const { t } = tracker();
    expect(t.admitSeq('new-01', SEQ_JUMP_SLACK + 1)).toBe(false);
    expect(t.birth(birth(3, 5_000_000))).toBe(true); // an agent older than the hub's database
    expect(t.admitSeq('bg-0137', 5_000_001)).toBe(true);
    expect(t.birth(birth(4, 5_000_001 + 999_999))).toBe(false); // later: bounded like any jump, flagged by the caller
    expect(t.highestSeq('bg-0137')).toBe(5_000_001);
  });
});

describe('FacilityTracker: sessions', () => {
  it('a session may be MAX_SESSION_JUMP above the highest seen (older agents count one per connect), also after a restart', () => {
    const { t } = tracker();
    t.load(new Map(), new Map([['bg-0137', 40]]));
    const byClock = Math.floor(T / 1000) + MAX_SESSION_AHEAD_S;
    expect(t.sessionPlausible('bg-0137', byClock)).toBe(true); // agents take their session from the clock
    expect(t.sessionPlausible('bg-0137', byClock + 1)).toBe(false);
    expect(t.sessionPlausible('bg-0137', Number.MAX_SAFE_INTEGER)).toBe(false);
    t.birth(birth(byClock, 0)); // an accepted birth raises the base
    expect(t.sessionPlausible('bg-0137', byClock + MAX_SESSION_JUMP)).toBe(true);
    expect(t.sessionPlausible('bg-0137', byClock + MAX_SESSION_JUMP + 1)).toBe(false);
  });
});
