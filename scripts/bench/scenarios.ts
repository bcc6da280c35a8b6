/** The benchmark scenarios `npm run bench` knows; each returns JSON-able result rows (never asserts). */
import { benchDetector } from './detector.js';
import { benchCamera } from './camera.js';

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(): Promise<Record<string, unknown>[]>;
}

type Row = Record<string, unknown> & { scenario: string };

export const scenarios: readonly Scenario[] = [
  {
    name: 'detector',
    description: 'person detector (CenterNet ONNX) ms per frame on real vtest.avi frames, 1 and 2 intra-op threads',
    run: async () => (await benchDetector({ frames: 60 })) as unknown as Row[],
  },
  {
    name: 'camera',
    description: 'ingest CPU per camera (1280x720 25 fps H.264 over RTSP → 5 detect-fps) vs bare ffmpeg, and cameras sustained',
    run: async () => await benchCamera(),
  },
];
