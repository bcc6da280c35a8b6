/**
 * The snapshot worker's loop (see child.ts): loads the face model, then renders each job the agent sends and replies;
 * a job that fails is answered with its error, never with an unchecked picture.
 */
import { FaceDetector, ModelRegistry } from '../../vision/index.js';
import type { FaceFinder } from '../../events/index.js';
import type { JobMessage, WorkerMessage } from './jobs.js';
import { answerJob } from './render.js';

function send(m: WorkerMessage): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  const modelsDir = process.env.QMON_MODELS_DIR;
  let detector: FaceDetector;
  try {
    detector = await FaceDetector.create({ registry: ModelRegistry.open(modelsDir || undefined), threads: 1 });
  } catch (e) {
    send({ fatal: `snapshot worker: face model could not be loaded: ${e instanceof Error ? e.message : String(e)}` });
    process.exit(1);
  }
  const faces: FaceFinder = async (frame, region) => (await detector.detect(frame, region)).map((f) => f.box);
  // One job at a time, in arrival order: the agent sends the next only after this one's reply.
  let chain = Promise.resolve();
  process.on('message', (m: JobMessage) => {
    chain = chain.then(async () => send({ id: m.id, reply: await answerJob(m.job, faces) }));
  });
  // The agent is gone (its end of the channel closed): nothing is left to do.
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}

void main();
