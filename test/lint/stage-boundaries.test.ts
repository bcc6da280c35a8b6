import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import stageBoundaries from '../../eslint/stage-boundaries.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULE = 'qmon/stage-boundaries';

// Only the boundary rule, without the type-checked presets: building a TypeScript program per lint would make this
// test take tens of seconds, and the rule needs no type information. The project wiring is checked separately below.
const boundaryOnly = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { qmon: stageBoundaries },
      rules: { [RULE]: ['error', { root: path.join(root, 'agent') }] },
    },
  ],
});

async function boundaryErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await boundaryOnly.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parser'}: ${m.message}`);
}

describe('stage boundaries lint rule', () => {
  it('rejects a deep import into another stage, naming the stage and its index', async () => {
    const errors = await boundaryErrors("import { Outbox } from '../store/outbox.js';\n", 'agent/pipeline/x.ts');
    expect(errors).toEqual([`${RULE}: 'store' is a stage: import it through 'store/index.js', not 'store/outbox'`]);
  });

  it('rejects deep re-exports, type-only and dynamic imports as well, and reaches from subfolders', async () => {
    const code = [
      "export { Outbox } from '../store/outbox.js';",
      "import type { Frame } from '../vision/preprocess.js';",
      "export const load = () => import('../track/tracker.js');",
    ].join('\n');
    expect(await boundaryErrors(code, 'agent/app/x.ts')).toHaveLength(3);
    expect(await boundaryErrors("import { x } from '../../store/outbox.js';\n", 'agent/camera/onvif/x.ts')).toHaveLength(1);
    expect(await boundaryErrors("import { x } from './store/outbox.js';\n", 'agent/app.ts')).toHaveLength(1);
  });

  it('accepts an earlier stage through its index, agent/shared/, its own stage, and packages', async () => {
    const code = [
      "import { Tracker } from '../track/index.js';",
      "import { ids } from '../shared/ids.js';",
      "import { contract } from '../../contract/index.js';",
      "import { Rule } from './rule.js';",
      "import { z } from 'zod';",
      "import { readFile } from 'node:fs/promises';",
    ].join('\n');
    expect(await boundaryErrors(code, 'agent/rules/x.ts')).toEqual([]);
    expect(await boundaryErrors("import { Backoff } from '../backoff.js';\n", 'agent/camera/onvif/x.ts')).toEqual([]);
    expect(await boundaryErrors("import { Cameras } from './app/cameras.js';\n", 'agent/app.ts')).toEqual([]);
    expect(await boundaryErrors("import { Agent } from '../app.js';\n", 'agent/cli/run.ts')).toEqual([]);
  });

  it('rejects a stage importing a later stage (data flows one way), also through its index', async () => {
    const later = await boundaryErrors("import { Uplink } from '../uplink/index.js';\n", 'agent/pipeline/x.ts');
    expect(later).toEqual([expect.stringMatching(/^qmon\/stage-boundaries: 'pipeline' may not import 'uplink': data flows decode → camera → .* → store → pipeline → uplink → /) as unknown]);
    expect(await boundaryErrors("import { Store } from '../store/index.js';\n", 'agent/rules/x.ts')).toHaveLength(1);
    expect(await boundaryErrors("import { Agent } from '../app.js';\n", 'agent/store/x.ts')).toHaveLength(1);
    // The open ones go everywhere; the earlier ones are fine.
    const fine = ["import { encodeEvent } from '../../contract/index.js';", "import { createLogger } from '../ops/index.js';", "import { Store } from '../store/index.js';"].join('\n');
    expect(await boundaryErrors(fine, 'agent/pipeline/x.ts')).toEqual([]);
    expect(await boundaryErrors("import { x } from '../newstage/index.js';\n", 'agent/rules/x.ts')).toEqual([expect.stringContaining("'newstage' is in no place of the stage order") as unknown]);
  });

  it('is switched on by the project config for agent/ and off for tests and scripts', async () => {
    const project = new ESLint({ cwd: root });
    const severity = async (file: string): Promise<unknown> => {
      const config = (await project.calculateConfigForFile(file)) as { rules?: Record<string, unknown> };
      const setting = config.rules?.[RULE];
      return Array.isArray(setting) ? setting[0] : setting;
    };
    expect(await severity('agent/rules/rule-engine.ts')).toBe(2);
    expect(await severity('agent/app.ts')).toBe(2);
    expect(await severity('test/rules/zones.test.ts')).toBeUndefined();
    expect(await severity('scripts/bench/vision.ts')).toBeUndefined();
  });
});
