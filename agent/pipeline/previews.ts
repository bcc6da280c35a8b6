import type { Box, Detections, Frame } from '../shared/types.js';
import type { PictureJob } from './pictures/jobs.js';
import type { PictureResult } from './pictures/queue.js';

export const PREVIEW_MAX_AGE_MS = 2000;
export const PREVIEW_QUALITY = 70;

interface Latest {
  frame: Frame;
  people: readonly Box[];
  jpeg: Buffer | null;
  encodedAt: number;
  encoding: Promise<Buffer | null> | null;
}

/**
 * The dashboard's camera previews: the pipeline hands over its latest frame and person boxes (a reference, no
 * copy: frames are never reused), and a preview is made only when someone asks, at most once per camera every
 * 2 s, by the snapshot worker at the lowest priority (a violation's picture always goes first): the whole frame with
 * every face found and every person's head pixelated before encoding, the encoded preview searched for faces again.
 * When the worker cannot make one now (busy with violations), the previous preview is shown.
 */
export class CameraPreviews {
  private readonly latest = new Map<string, Latest>();

  constructor(
    private readonly now: () => number,
    /** Makes a picture (the picture queue's `submit`, uncounted per camera: previews are no violation pictures). */
    private readonly make: (job: PictureJob) => Promise<PictureResult>,
  ) {}

  offer(frame: Frame, dets: Detections | null): void {
    const prev = this.latest.get(frame.cameraId);
    // Throttled: between encodes only the newest reference is kept, so a 30 fps camera costs nothing here.
    const people = dets?.items.filter((d) => d.cls === 'person').map((d) => d.box) ?? [];
    if (prev) Object.assign(prev, { frame, people });
    else this.latest.set(frame.cameraId, { frame, people, jpeg: null, encodedAt: -Infinity, encoding: null });
  }

  async jpeg(cameraId: string): Promise<Buffer | null> {
    const l = this.latest.get(cameraId);
    if (!l) return null;
    if (l.jpeg && this.now() - l.encodedAt < PREVIEW_MAX_AGE_MS) return l.jpeg;
    l.encoding ??= this.encode(l).finally(() => (l.encoding = null));
    return l.encoding;
  }

  private async encode(l: Latest): Promise<Buffer | null> {
    const { frame, people } = l;
    const r = await this.make({
      kind: 'preview',
      cameraId: frame.cameraId,
      frame: { width: frame.width, height: frame.height, format: frame.format, pixels: frame.pixels },
      people: [],
      others: people,
      quality: PREVIEW_QUALITY,
    });
    if (r.outcome !== 'made' || !r.reply.jpeg) return l.jpeg;
    l.jpeg = Buffer.from(r.reply.jpeg.buffer, r.reply.jpeg.byteOffset, r.reply.jpeg.byteLength);
    l.encodedAt = this.now();
    return l.jpeg;
  }
}
