/**
 * Boxes around what changed between two gray thumbnails of the same camera (the motion gate's), in frame pixels:
 * pixels differing by more than a threshold, grown by one pixel so a person's parts join up, grouped into connected
 * blobs. Blobs smaller than `minPixels` are sensor noise. Cheap: a 133×100 thumbnail is 13 k pixels.
 */
import type { Box, Thumbnail } from '../shared/types.js';

export function motionBoxes(ref: Thumbnail, cur: Thumbnail, threshold: number, minPixels = 2): Box[] {
  const { width: w, height: h } = cur;
  if (ref.width !== w || ref.height !== h) throw new Error(`motion boxes: thumbnails of different sizes (${ref.width}x${ref.height} vs ${w}x${h})`);
  const changed = new Uint8Array(w * h);
  for (let i = 0; i < changed.length; i++) {
    const d = (ref.gray[i] as number) - (cur.gray[i] as number);
    if (d > threshold || d < -threshold) changed[i] = 1;
  }
  const grown = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!changed[y * w + x]) continue;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w) grown[yy * w + xx] = 1;
      }
    }
  }
  const sx = cur.srcWidth / w;
  const sy = cur.srcHeight / h;
  const seen = new Uint8Array(w * h);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < grown.length; start++) {
    if (!grown[start] || seen[start]) continue;
    let x1 = w;
    let y1 = h;
    let x2 = -1;
    let y2 = -1;
    let count = 0;
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop() as number;
      const x = i % w;
      const y = (i - x) / w;
      if (changed[i]) count++;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x);
      y2 = Math.max(y2, y);
      for (const n of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1]) {
        if (n >= 0 && grown[n] && !seen[n]) {
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    if (count >= minPixels) boxes.push({ x1: x1 * sx, y1: y1 * sy, x2: (x2 + 1) * sx, y2: (y2 + 1) * sy });
  }
  return boxes;
}
