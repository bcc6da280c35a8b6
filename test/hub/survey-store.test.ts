// The hub's survey storage, the same cases on both stores: SQLite (the demo, single site) and PostgreSQL (the
// national hub, a throwaway server). Latest by `ts` (a replay is refused, the same one again is a duplicate), one
// per UTC day of receipt, the province summary's numbers, and hostile text kept as inert data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgHubStore, SqliteHubStore, type HubStore } from '../../hub/index.js';
import { POSTGRES_MISSING, postgresBin, startPostgres, type TestPostgres } from '../support/postgres.js';
import { survey, surveyCamera } from './survey-fixtures.js';

const DAY = 86_400_000;
const T = Date.UTC(2026, 11, 7, 10);

const pgReason = postgresBin() === null ? POSTGRES_MISSING : null;
if (pgReason !== null) console.warn(`SKIPPED survey store on PostgreSQL: ${pgReason}`);
let pgServer: TestPostgres | null = null;
let dbCount = 0;
beforeAll(async () => {
  if (pgReason === null) pgServer = await startPostgres();
}, 90_000);
afterAll(async () => {
  await pgServer?.stop();
});

interface Kind {
  readonly name: string;
  readonly skip: string | null;
  readonly open: () => Promise<{ store: HubStore; setProvince: (fid: string, province: string) => Promise<void> }>;
}

const KINDS: Kind[] = [
  {
    name: 'SQLite',
    skip: null,
    open: () => {
      const store = new SqliteHubStore(':memory:');
      return Promise.resolve({
        store,
        setProvince: (fid: string, province: string) => {
          store.registry.add(fid, null, T);
          store.db.registry.setProvince(fid, province);
          return Promise.resolve();
        },
      });
    },
  },
  {
    name: 'PostgreSQL',
    skip: pgReason,
    open: async () => {
      const store = await PgHubStore.open(await pgServer!.createDb(`survey${++dbCount}`));
      return { store, setProvince: async (fid, province) => void (await store.reader.addFacility(fid, null, T, null, province)) };
    },
  },
];

for (const kind of KINDS) {
  describe.skipIf(kind.skip !== null)(`survey store on ${kind.name}`, () => {
    it('keeps the newest survey by ts: a replay is older, the same one again a duplicate, a day-ahead one refused', async () => {
      const { store } = await kind.open();
      try {
        expect(await store.surveys.apply(survey('bg-0137', T), T)).toBe('applied');
        expect(await store.surveys.apply(survey('bg-0137', T), T + 5)).toBe('duplicate');
        expect(await store.surveys.apply(survey('bg-0137', T + 1000, [surveyCamera('cam-1'), surveyCamera('cam-2')]), T + 1000)).toBe('applied');
        expect(await store.surveys.apply(survey('bg-0137', T), T + 2000)).toBe('older');
        expect(await store.surveys.apply(survey('bg-0137', T + 2 * DAY), T + 3000)).toBe('ahead');
        const latest = await store.surveys.latest('bg-0137');
        expect(latest?.survey.cameras.map((c) => c.id)).toEqual(['cam-1', 'cam-2']);
        expect(latest?.receivedAt).toBe(T + 1000);
        expect(await store.surveys.latest('bg-0999')).toBeNull();
      } finally {
        await store.close();
      }
    });

    it('keeps one survey per UTC day (the newest of that day), newest day first, within the days asked', async () => {
      const { store } = await kind.open();
      try {
        for (const [i, at] of [T, T + 3600_000, T + DAY, T + 3 * DAY].entries()) {
          expect(await store.surveys.apply(survey('bg-0137', at, [surveyCamera('cam-1', { rules: i })]), at)).toBe('applied');
        }
        const days = await store.surveys.history('bg-0137', 30, T + 3 * DAY);
        expect(days.map((d) => [d.day, d.survey.cameras[0]!.rules])).toEqual([
          ['2026-12-10', 3],
          ['2026-12-08', 2],
          ['2026-12-07', 1],
        ]);
        expect((await store.surveys.history('bg-0137', 2, T + 3 * DAY)).map((d) => d.day)).toEqual(['2026-12-10']);
        expect(await store.surveys.history('bg-0200', 30, T)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('summarises each facility from its latest survey, all or one province', async () => {
      const { store, setProvince } = await kind.open();
      try {
        await setProvince('bg-0137', 'bac-giang');
        await setProvince('hn-0001', 'ha-noi');
        await store.surveys.apply(
          survey('bg-0137', T, [
            surveyCamera('cam-1', { defaultPassword: true, uptime24h: { onlineShare: 0.5, observedS: 86_400 } }),
            surveyCamera('cam-2', { rules: 0 }),
            surveyCamera('cam-3', { rules: 0, enabled: false, uptime24h: null }),
          ]),
          T,
        );
        await store.surveys.apply(survey('hn-0001', T), T);
        const all = await store.surveys.summary(null);
        expect(all.map((r) => r.fid)).toEqual(['bg-0137', 'hn-0001']);
        expect(all[0]).toEqual({
          fid: 'bg-0137',
          province: 'bac-giang',
          ts: new Date(T).toISOString(),
          receivedAt: T,
          agentVersion: '0.1.0',
          cameras: 3,
          onlineShare: 0.75,
          defaultPasswords: 1,
          withoutRule: 1,
        });
        expect((await store.surveys.summary('ha-noi')).map((r) => r.fid)).toEqual(['hn-0001']);
        expect(await store.surveys.summary('nowhere')).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('stores hostile text as the data it is (HTML and quotes unchanged, nothing interpreted)', async () => {
      const { store } = await kind.open();
      try {
        const html = `<script>alert("x")</script>'; DROP TABLE survey_latest; --`.slice(0, 128);
        await store.surveys.apply(survey('bg-0137', T, [surveyCamera('cam-1', { name: html, device: { manufacturer: '<img src=x onerror=alert(1)>', model: null, firmware: null } })]), T);
        const s = (await store.surveys.latest('bg-0137'))!.survey.cameras[0]!;
        expect(s.name).toBe(html);
        expect(s.device?.manufacturer).toBe('<img src=x onerror=alert(1)>');
        expect((await store.surveys.summary(null)).length).toBe(1);
      } finally {
        await store.close();
      }
    });
  });
}
