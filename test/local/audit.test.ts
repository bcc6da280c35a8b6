/**
 * The audit log is append-only in SQLite itself: triggers refuse UPDATE and DELETE, whoever opens the file (a
 * bug in the agent, a script, the sqlite3 shell). Acknowledgements go with their violation when retention deletes
 * it; audit rows do not.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../agent/ops/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { DB_FILE, Store } from '../../agent/store/index.js';
import { tempDir } from '../decode/media.js';
import { violation } from './harness.js';

let tmp: ReturnType<typeof tempDir>;
let store: Store | null = null;
afterEach(() => {
  store?.close();
  store = null;
  tmp?.cleanup();
});

function open(): Store {
  tmp = tempDir('audit');
  store = Store.open({ dir: tmp.dir, clock: new ManualClock(0), logger: silentLogger() });
  return store;
}

describe('audit log', () => {
  it('keeps every entry; UPDATE and DELETE are refused by the database, also from another connection', () => {
    const s = open();
    s.dashboard('t', (q) => q.audit({ at: 1, user: 'an', action: 'login', target: 'an', detail: { role: 'guard' }, ip: '10.0.0.2' }), true);
    s.dashboard('t', (q) => q.audit({ at: 2, user: 'an', action: 'ack', target: 'e1', detail: {}, ip: '10.0.0.2' }), true);
    const raw = new Database(join(tmp.dir, DB_FILE));
    try {
      expect(() => raw.prepare("UPDATE audit SET user = 'someone else'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM audit WHERE id = 1').run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
    const entries = s.dashboard('t', (q) => q.auditPage(10));
    expect(entries.map((e) => [e.id, e.user, e.action, e.detail])).toEqual([
      [2, 'an', 'ack', {}],
      [1, 'an', 'login', { role: 'guard' }],
    ]);
    expect(s.dashboard('t', (q) => q.auditCounts(0))).toEqual({ login: 1, ack: 1 });
  });

  it('drops an acknowledgement with its violation (retention), and keeps the audit row of it', () => {
    const s = open();
    const v = violation();
    s.recordViolation(v, () => Buffer.from('x'));
    s.dashboard('t', (q) => q.acknowledge({ eventId: v.eventId, by: 'an', at: 5, note: 'ok' }), true);
    s.dashboard('t', (q) => q.audit({ at: 5, user: 'an', action: 'ack', target: v.eventId, detail: {}, ip: null }), true);
    expect(s.dashboard('t', (q) => q.acknowledge({ eventId: v.eventId, by: 'binh', at: 6, note: null }))).toBe(false);
    const raw = new Database(join(tmp.dir, DB_FILE));
    try {
      raw.prepare('DELETE FROM outbox').run();
      raw.prepare('DELETE FROM violations').run();
      expect(raw.prepare('SELECT count(*) FROM acks').pluck().get()).toBe(0);
      expect(raw.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(1);
    } finally {
      raw.close();
    }
  });
});
