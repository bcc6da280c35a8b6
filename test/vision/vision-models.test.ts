import { describe, expect, it } from 'vitest';
import { defaultThreads, ModelRegistry, openVisionModels } from '../../agent/vision/index.js';

describe('openVisionModels', () => {
  it('opens one session per model: the person detector on the cores allowed, face and mask on one thread each', async () => {
    const m = await openVisionModels({ registry: ModelRegistry.open(), cores: 3, personMinScore: 0.5 });
    try {
      expect([m.person.model.role, m.person.threads, m.person.minScore]).toEqual(['person', 3, 0.5]);
      expect([m.face?.model.role, m.face?.threads]).toEqual(['face', 1]);
      expect([m.mask?.model.role, m.mask?.threads]).toEqual(['mask', 1]);
    } finally {
      await m.close();
    }
    await expect(m.face!.detect({ cameraId: 'c', seq: 0, ts: 0, wallTs: 0, width: 2, height: 2, format: 'gray', pixels: Buffer.alloc(4) }, { x1: 0, y1: 0, x2: 2, y2: 2 })).rejects.toThrow(/closed/);
  });

  it('without attributes opens only the person detector', async () => {
    const m = await openVisionModels({ registry: ModelRegistry.open(), cores: 1, attributes: false });
    expect([m.face, m.mask, m.person.threads]).toEqual([null, null, 1]);
    await m.close();
  });

  it('threads follow the core count, from 1 up to 4', () => {
    expect([1, 2, 3, 4, 8, 64].map((c) => defaultThreads(c))).toEqual([1, 2, 3, 4, 4, 4]);
    expect(defaultThreads(0)).toBe(1);
  });
});
