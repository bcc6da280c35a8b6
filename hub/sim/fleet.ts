import { createPublicKey } from 'node:crypto';
import { simKey } from './keys.js';
import { SimFacility, type SimFacilityOptions, type SimTls } from './facility.js';

export interface FleetOptions {
  readonly url: string;
  readonly facilities: number;
  /** Seconds of live production after every facility is connected. */
  readonly seconds: number;
  /** Violations per second per facility (each is two seqs: `new` and `end`). */
  readonly ratePerS: number;
  /** Seconds of hub outage first: facilities produce into their backlog offline, then all connect at once. */
  readonly outageS: number;
  readonly prefix: string;
  readonly window?: number;
  readonly ackTimeoutMs?: number;
  readonly replayRatePerS?: number;
  readonly heartbeatMs?: number;
  /** Longest wait for every row to be acked after production stops. */
  readonly drainTimeoutS?: number;
  /** Connections opened at once while connecting the fleet. */
  readonly connectBatch?: number;
  /** Keep the facilities connected after the run (the caller then calls `stop`). */
  readonly keepConnected?: boolean;
  /** For an `mqtts://` broker: each facility's TLS material (its own client certificate, CN = its fid). */
  readonly tls?: (fid: string) => SimTls;
}

export interface FleetSummary {
  readonly facilities: number;
  /** Violations recorded (each two revisions). */
  readonly events_produced: number;
  /** Seqs (revisions) recorded. */
  readonly seqs_produced: number;
  readonly seqs_acked: number;
  /** ACKs for a seq already acked (a resend after a lost ACK, a broker redelivery). */
  readonly duplicate_acks: number;
  readonly resend_requests: number;
  /** Rows still not acked when the run ended (0 when it drained). */
  readonly unacked: number;
  readonly drained: boolean;
  /** From the end of production (or from reconnecting, for the backlog of an outage) until every row was acked. */
  readonly seconds_to_drain: number | null;
  readonly herd_seconds_to_drain: number | null;
  readonly backlog_seqs: number;
  readonly seconds: number;
}

export interface Fleet {
  readonly members: readonly SimFacility[];
  readonly done: Promise<FleetSummary>;
  stop(): Promise<void>;
}

/** `sim-0001`… : valid fids (the contract's `^[a-z0-9-]{3,32}$`). */
export function fleetFids(prefix: string, n: number): string[] {
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

/** Each simulated facility's public key (raw, base64) for the hub's registry: the half of its `simKey`. */
export function fleetKeys(fids: readonly string[]): Map<string, string> {
  return new Map(fids.map((fid) => [fid, createPublicKey(simKey(fid)).export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the fleet: outage backlog (optional), connect all at once, live production, drain; summary at the end. */
export function runFleet(o: FleetOptions): Fleet {
  const opts: Omit<SimFacilityOptions, 'fid'> = {
    url: o.url,
    window: o.window ?? 16,
    ackTimeoutMs: o.ackTimeoutMs ?? 60_000,
    replayRatePerS: o.replayRatePerS ?? 50,
    heartbeatMs: o.heartbeatMs ?? 30_000,
  };
  const members = fleetFids(o.prefix, o.facilities).map((fid) => new SimFacility({ ...opts, fid, ...(o.tls && { tls: o.tls(fid) }) }));
  let producing: NodeJS.Timeout | null = null;
  const produceFor = (ms: number) =>
    new Promise<void>((resolve) => {
      const tickMs = 100;
      const perTick = (o.ratePerS * tickMs) / 1000;
      const credit = new Map<SimFacility, number>();
      // A random phase per facility (credit uniform in [0, 1)): the fleet does not fire in lockstep, and at a rate
      // far below one event per run (the national steady load: 0.0075 violations/s per facility) the expected
      // number of events is still rate × time. Starting every facility near 0 made that run produce nothing.
      for (const m of members) credit.set(m, Math.random());
      const until = Date.now() + ms;
      producing = setInterval(() => {
        for (const m of members) {
          let c = (credit.get(m) ?? 0) + perTick;
          for (; c >= 1; c--) m.produce();
          credit.set(m, c);
        }
        if (Date.now() >= until) {
          if (producing) clearInterval(producing);
          producing = null;
          resolve();
        }
      }, tickMs);
    });
  const allAcked = () => members.every((m) => m.pending() === 0);
  const waitAcked = async (timeoutMs: number): Promise<number | null> => {
    const t0 = Date.now();
    while (!allAcked()) {
      if (Date.now() - t0 > timeoutMs) return null;
      await sleep(100);
    }
    return (Date.now() - t0) / 1000;
  };

  const started = Date.now();
  const done = (async (): Promise<FleetSummary> => {
    if (o.outageS > 0) await produceFor(o.outageS * 1000);
    const backlog = members.reduce((n, m) => n + m.pending(), 0);
    const reconnectAt = Date.now();
    const batch = o.connectBatch ?? 100;
    for (let i = 0; i < members.length; i += batch) await Promise.all(members.slice(i, i + batch).map((m) => m.connect()));
    let herd: number | null = null;
    const herdWatch = (async () => {
      if (backlog === 0) return;
      // The herd has drained when every row recorded during the outage is acked.
      const marks = new Map(members.map((m) => [m, m.lastSeq]));
      while (Date.now() - reconnectAt < (o.drainTimeoutS ?? 120) * 1000 + o.seconds * 1000) {
        if (members.every((m) => m.ackedUpTo(marks.get(m)!))) {
          herd = (Date.now() - reconnectAt) / 1000;
          return;
        }
        await sleep(100);
      }
    })();
    if (o.seconds > 0) await produceFor(o.seconds * 1000);
    const drain = await waitAcked((o.drainTimeoutS ?? 120) * 1000);
    await herdWatch;
    const sum = (f: (m: SimFacility) => number) => members.reduce((n, m) => n + f(m), 0);
    const summary: FleetSummary = {
      facilities: members.length,
      events_produced: sum((m) => m.counts.produced),
      seqs_produced: sum((m) => m.lastSeq),
      seqs_acked: sum((m) => m.counts.acked),
      duplicate_acks: sum((m) => m.counts.duplicateAcks),
      resend_requests: sum((m) => m.counts.resendRequests),
      unacked: sum((m) => m.pending()),
      drained: drain !== null,
      seconds_to_drain: drain,
      herd_seconds_to_drain: herd,
      backlog_seqs: backlog,
      seconds: (Date.now() - started) / 1000,
    };
    if (o.keepConnected !== true) await Promise.all(members.map((m) => m.disconnect()));
    return summary;
  })();
  return {
    members,
    done,
    stop: async () => {
      if (producing) clearInterval(producing);
      await Promise.all(members.map((m) => m.disconnect()));
    },
  };
}
