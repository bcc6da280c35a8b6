import { renderSnapshot, type FaceSearch } from '../events/index.js';
import type { Box, Detections, Frame } from '../shared/types.js';

export const PREVIEW_MAX_AGE_MS = 2000;

interface Latest {
  frame: Frame;
  people: readonly Box[];
  jpeg: Buffer | null;
  encodedAt: number;
  encoding: Promise<Buffer> | null;
}

/**
 * The dashboard's camera previews: the pipeline hands over its latest frame and person boxes (a reference, no
 * copy: frames are never reused), and a preview is encoded only when someone asks, at most once per camera every
 * 2 s. Encoding is the snapshot renderer on the whole frame: every person's head region is pixelated before the JPEG
 * encoder sees the pixels, and the encoded preview is searched for faces (anything found is pixelated too, until the
 * search finds nothing), so no unblurred face leaves the process.
 */
export class CameraPreviews {
  private readonly latest = new Map<string, Latest>();

  constructor(
    private readonly now: () => number,
    /** Every face in a picture (null: no face model; head regions are still blurred). */
    private readonly faceSearch: FaceSearch | null,
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

  private async encode(l: Latest): Promise<Buffer> {
    const { frame, people } = l;
    const check = this.faceSearch ? { faceCheck: this.faceSearch } : {};
    const shot = await renderSnapshot({ frame, people: [], faces: [], others: people, quality: 70, ...check });
    l.jpeg = shot.jpeg;
    l.encodedAt = this.now();
    return shot.jpeg;
  }
}
