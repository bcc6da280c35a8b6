/**
 * Cuts a raw-video byte stream (pipe chunks of arbitrary size) into exact frame-sized buffers.
 *
 * Each chunk is copied once, straight into the frame it belongs to: no concatenation of chunks
 * (which would copy the backlog again on every read), no intermediate buffer. Every frame gets its
 * own freshly allocated buffer that this class never touches again once handed out, so a consumer
 * may keep a frame (for a snapshot, say) as long as it likes. Frames that are later dropped by
 * the latest-wins hand-off are simply garbage; recycling them would need an explicit release
 * protocol, and one forgotten release would show a consumer pixels of a different moment.
 */
export class FrameSlicer {
  private current: Buffer | null = null;
  private filled = 0;

  constructor(
    readonly frameBytes: number,
    private readonly onFrame: (pixels: Buffer) => void,
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(`FrameSlicer: frameBytes must be a positive integer (got ${frameBytes})`);
    }
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      // allocUnsafeSlow: every byte is overwritten before hand-off, and a frame must not share a
      // pooled slab with unrelated data.
      const frame = (this.current ??= Buffer.allocUnsafeSlow(this.frameBytes));
      const n = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      chunk.copy(frame, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameBytes) {
        this.current = null;
        this.filled = 0;
        this.onFrame(frame);
      }
    }
  }

  /** Bytes of an incomplete frame held back (non-zero at exit means ffmpeg stopped mid-frame). */
  get partialBytes(): number {
    return this.filled;
  }
}
