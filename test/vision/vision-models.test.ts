import { describe, expect, it } from 'vitest';
import { defaultThreads, ModelRegistry, openVisionModels } from '../../agent/vision/index.js';

describe('openVisionModels', () => {
  it('opens one single-threaded person session per core (a pool), and one face and one mask session of one thread', async () => {
    const m = await openVisionModels({ registry: ModelRegistry.open(), cores: 3, personMinScore: 0.5 });
    try {
      expect([m.person.model.role, m.person.threads, m.person.minScore]).toEqual(['person', 1, 0.5]);
      expect(m.personSessions.map((p) => [p.threads, p.minScore])).toEqual([[1, 0.5], [1, 0.5], [1, 0.5]]);
      expect(m.personSessions[0]).toBe(m.person);
      expect([m.face?.model.role, m.face?.threads]).toEqual(['face', 1]);
      expect([m.mask?.model.role, m.mask?.threads]).toEqual(['mask', 1]);
    } finally {
      await m.close();
    }
    await expect(m.personSessions[2]!.detect({ cameraId: 'c', seq: 0, ts: 0, wallTs: 0, width: 32, height: 32, format: 'gray', pixels: Buffer.alloc(1024) })).rejects.toThrow(/closed/);
    await expect(m.face!.detect({ cameraId: 'c', seq: 0, ts: 0, wallTs: 0, width: 2, height: 2, format: 'gray', pixels: Buffer.alloc(4) }, { x1: 0, y1: 0, x2: 2, y2: 2 })).rejects.toThrow(/closed/);
  });

  it('without attributes opens only the person detector', async () => {
    const m = await openVisionModels({ registry: ModelRegistry.open(), cores: 1, attributes: false });
    expect([m.face, m.mask, m.person.threads, m.personSessions.length]).toEqual([null, null, 1, 1]);
    await m.close();
  });

  it('person sessions follow the core count, from 1 up to 4', () => {
    expect([1, 2, 3, 4, 8, 64].map((c) => defaultThreads(c))).toEqual([1, 2, 3, 4, 4, 4]);
    expect(defaultThreads(0)).toBe(1);
  });
});
