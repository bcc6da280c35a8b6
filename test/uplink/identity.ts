// The test facility's identity, shared by the uplink harness and the fault tests' child processes (no vitest import).
export const FID = 'bg-0137';

export const BIRTH = {
  version: '0.1.0',
  configHash: 'ab12cd34ef56ab12',
  cameras: [{ id: 'corridor-a' }],
  rules: [{ id: 'corridor-a-exit', type: 'line_cross' as const, version: 1 }],
  models: [{ name: 'yolox-s-person', version: '2024.1' }],
};
