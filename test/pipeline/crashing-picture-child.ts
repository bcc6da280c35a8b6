/**
 * A stand-in snapshot worker for picture-worker.test.ts: answers like the real one, but kills itself on a job whose
 * JPEG quality is 13 and never answers one whose quality is 14, so the test can lose or hang a worker mid-job.
 */
process.on('message', (m: { id: number; job: { quality: number } }) => {
  if (m.job.quality === 13) process.kill(process.pid, 'SIGKILL');
  if (m.job.quality === 14) return;
  process.send?.({ id: m.id, reply: { ok: true, sha256: 'c'.repeat(64), bytes: 1, w: 1, h: 1, checkBlurred: 0, cpuMs: 1 } });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
