/**
 * Photometric and small geometric changes of training crops, so the classifier does not learn the
 * training photos' lighting and framing: rotation ±12°, zoom 0.88–1.12, shift ±3 px, gain 0.6–1.4,
 * offset ±30 levels, gamma 0.7–1.3. Driven by a seeded generator: the same seed gives the same
 * crops, so training stays reproducible.
 */

/** 32-bit linear congruential generator (Numerical Recipes constants); uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A changed copy of a size × size RGB crop; samples falling outside repeat the edge pixels. */
export function augment(crop: Uint8Array, size: number, rnd: () => number): Uint8Array {
  const angle = ((rnd() * 2 - 1) * 12 * Math.PI) / 180;
  const zoom = 0.88 + rnd() * 0.24;
  const dx = (rnd() * 2 - 1) * 3;
  const dy = (rnd() * 2 - 1) * 3;
  const gain = 0.6 + rnd() * 0.8;
  const offset = (rnd() * 2 - 1) * 30;
  const gamma = 0.7 + rnd() * 0.6;
  const out = new Uint8Array(crop.length);
  const cos = Math.cos(angle) / zoom;
  const sin = Math.sin(angle) / zoom;
  const c = (size - 1) / 2;
  const last = size - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Inverse mapping: where in the source this output pixel comes from.
      const u = cos * (x - c) + sin * (y - c) + c + dx;
      const v = -sin * (x - c) + cos * (y - c) + c + dy;
      const x0 = Math.max(0, Math.min(last, Math.floor(u)));
      const y0 = Math.max(0, Math.min(last, Math.floor(v)));
      const x1 = Math.min(last, x0 + 1);
      const y1 = Math.min(last, y0 + 1);
      const wx = Math.max(0, Math.min(1, u - x0));
      const wy = Math.max(0, Math.min(1, v - y0));
      for (let ch = 0; ch < 3; ch++) {
        const a = crop[(y0 * size + x0) * 3 + ch] as number;
        const b = crop[(y0 * size + x1) * 3 + ch] as number;
        const d = crop[(y1 * size + x0) * 3 + ch] as number;
        const e = crop[(y1 * size + x1) * 3 + ch] as number;
        const val = (a + (b - a) * wx) * (1 - wy) + (d + (e - d) * wx) * wy;
        const lit = Math.max(0, Math.min(255, val * gain + offset));
        out[(y * size + x) * 3 + ch] = Math.round(255 * (lit / 255) ** gamma);
      }
    }
  }
  return out;
}
