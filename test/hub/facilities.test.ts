// FacilityTracker's plausibility bounds: how far a seq or a session may jump before the hub refuses it.
import { describe, expect, it } from 'vitest';
import { MAX_SEQ_JUMP, MAX_SESSION_JUMP } from '../../agent/contract/index.js';
import { FacilityTracker } from '../../agent/hub/facilities.js';
import { BirthPayload } from '../../agent/contract/index.js';
import { buildBirth } from '../../agent/contract/index.js';
import { BIRTH } from '../uplink/identity.js';

const birth = (session: number, lastSeq: number) => BirthPayload.parse(JSON.parse(buildBirth('bg-0137', session, Date.UTC(2026, 0, 1), BIRTH, lastSeq).toString()));

describe('FacilityTracker bounds', () => {
  it('a seq may be at most MAX_SEQ_JUMP above the highest seen (0 for a new facility); 2^53 − 1 never is', () => {
    const t = new FacilityTracker(180_000, 120_000, new Map([['bg-0137', 500]]));
    expect(t.seqPlausible('bg-0137', 500 + MAX_SEQ_JUMP)).toBe(true);
    expect(t.seqPlausible('bg-0137', 501 + MAX_SEQ_JUMP)).toBe(false);
    expect(t.seqPlausible('bg-0137', Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(t.seqPlausible('new-01', MAX_SEQ_JUMP)).toBe(true);
    expect(t.seqPlausible('new-01', MAX_SEQ_JUMP + 1)).toBe(false);
  });

  it('the last_seq of an accepted birth raises the base: an agent older than the hub’s database is not refused', () => {
    const t = new FacilityTracker(180_000, 120_000);
    t.birth(birth(3, 5_000_000));
    expect(t.seqPlausible('bg-0137', 5_000_001)).toBe(true);
    expect(t.seqPlausible('bg-0137', 5_000_000 + MAX_SEQ_JUMP + 1)).toBe(false);
  });

  it('a session may be at most MAX_SESSION_JUMP above the highest seen, also after a restart (sessions loaded)', () => {
    const t = new FacilityTracker(180_000, 120_000, new Map(), new Map([['bg-0137', 40]]));
    expect(t.sessionPlausible('bg-0137', 40 + MAX_SESSION_JUMP)).toBe(true);
    expect(t.sessionPlausible('bg-0137', 41 + MAX_SESSION_JUMP)).toBe(false);
    expect(t.sessionPlausible('bg-0137', Number.MAX_SAFE_INTEGER)).toBe(false);
    t.birth(birth(40 + MAX_SESSION_JUMP, 0)); // an accepted birth raises the base
    expect(t.sessionPlausible('bg-0137', 41 + MAX_SESSION_JUMP)).toBe(true);
  });
});
