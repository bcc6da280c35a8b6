/** The person model's input side and the threshold measured to go with it (agent/vision/README.md). */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../agent/config/index.js';
import { BASE, tempDir, writeConfig } from './helpers.js';

const dir = tempDir();
const withModels = (models: string): string => `${BASE}models:\n  person: ${models}\n`;

describe('models.person', () => {
  it('takes each measured input side with its own threshold, and an explicit min_score over it', async () => {
    expect((await loadConfig(writeConfig(dir, BASE))).models.person).toEqual({ input_side: 320, min_score: 0.32 });
    expect((await loadConfig(writeConfig(dir, withModels('{ input_side: 384 }')))).models.person).toEqual({ input_side: 384, min_score: 0.34 });
    expect((await loadConfig(writeConfig(dir, withModels('{ input_side: 512 }')))).models.person).toEqual({ input_side: 512, min_score: 0.4 });
    expect((await loadConfig(writeConfig(dir, withModels('{ input_side: 512, min_score: 0.5 }')))).models.person).toEqual({ input_side: 512, min_score: 0.5 });
  });

  it('refuses a side without a measured threshold, naming the sides it takes', async () => {
    const err = await loadConfig(writeConfig(dir, withModels('{ input_side: 400 }'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).format()).toMatch(/models\.person\.input_side: expected one of 320, 384, 448, 512 \(the sides with a measured threshold\), got 400/);
  });
});
