import { StringDecoder } from 'node:string_decoder';
import { cleanStderrLine } from './ffmpeg-errors.js';

/**
 * Keeps the last `max` lines of ffmpeg's stderr, each already redacted, so that the reason for an
 * exit can be classified and shown without ever holding a credential in memory longer than a chunk.
 */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  /** Lines seen in total, including those that fell out of the tail. */
  total = 0;

  constructor(
    private readonly max: number,
    private readonly secrets: readonly string[],
    private readonly onLine?: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    const parts = text.split(/\r\n|\r|\n/);
    // A line longer than this without a newline is not ffmpeg talking; do not let it grow unbounded.
    this.partial = (parts.pop() ?? '').slice(-4096);
    for (const p of parts) this.add(p);
  }

  /** Flush a last line that had no newline (at process exit). */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.add(rest);
  }

  get tail(): readonly string[] {
    return this.lines;
  }

  private add(raw: string): void {
    const line = cleanStderrLine(raw, this.secrets);
    if (!line) return;
    this.total++;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    this.onLine?.(line);
  }
}
