/**
 * The camera survey's measured stream values (codec, resolution, fps, bitrate), by `probeStream` (a few seconds of
 * ffprobe on the same input the camera's ffmpeg uses: the login forwarder's loopback URL, never credentials). Probes
 * run one at a time, in the background, only when the survey asks for a camera whose values are missing or older
 * than a day; the survey reads what is known (null before the first probe). When a camera's values first arrive or
 * change, `onChange` lets the agent survey again.
 */
import type { FfmpegInput, StreamFacts } from '../decode/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../ops/index.js';

export interface StreamMeasuresOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly probe: (input: FfmpegInput) => Promise<StreamFacts | null>;
  /** A camera's values arrived for the first time or changed. */
  readonly onChange: () => void;
  /** Values older than this are measured again when asked for; 20 h by default (the survey is daily). */
  readonly maxAgeMs?: number;
  /** After a failed probe, the next try waits this long; 1 h by default. */
  readonly retryMs?: number;
}

const HOUR = 3_600_000;

export class StreamMeasures {
  private readonly inputs = new Map<string, FfmpegInput>();
  private readonly known = new Map<string, { readonly at: number; readonly facts: StreamFacts }>();
  private readonly tried = new Map<string, number>();
  private readonly queue: string[] = [];
  private busy = false;
  private stopped = false;

  constructor(private readonly o: StreamMeasuresOptions) {}

  /** The input the camera's decoder uses now (set at each camera start). */
  setInput(id: string, input: FfmpegInput): void {
    this.inputs.set(id, input);
  }

  /** What is known of the camera's stream (undefined: not yet); asks for a measurement when due. */
  get(id: string): StreamFacts | undefined {
    const now = this.o.clock.now();
    const k = this.known.get(id);
    const triedAt = this.tried.get(id);
    const due = (k === undefined || now - k.at >= (this.o.maxAgeMs ?? 20 * HOUR)) && (triedAt === undefined || now - triedAt >= (this.o.retryMs ?? HOUR));
    if (due && this.inputs.has(id) && !this.queue.includes(id)) {
      this.queue.push(id);
      void this.drain();
    }
    return k?.facts;
  }

  /** Resolves once no probe runs or waits (tests, the agent's stop). */
  async idle(): Promise<void> {
    while (this.busy || this.queue.length > 0) await new Promise((r) => setTimeout(r, 20));
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let id = this.queue.shift(); id !== undefined && !this.stopped; id = this.queue.shift()) {
        const input = this.inputs.get(id);
        if (!input) continue;
        this.tried.set(id, this.o.clock.now());
        const facts = await this.o.probe(input).catch(() => null);
        if (facts === null) {
          this.o.logger.debug({ cameraId: id }, 'stream probe for the camera survey gave nothing');
          continue;
        }
        const before = this.known.get(id)?.facts;
        this.known.set(id, { at: this.o.clock.now(), facts });
        if (!before || before.codec !== facts.codec || before.width !== facts.width || before.height !== facts.height) this.o.onChange();
      }
    } finally {
      this.busy = false;
    }
  }
}
