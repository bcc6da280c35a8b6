// The two deployables (agent/, hub/) and the one interface (contract/): eslint/deployables.js keeps them apart.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import plugin from '../../eslint/stage-boundaries.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULE = 'qmon/deployables';

// Only this rule, without the type-checked presets (see stage-boundaries.test.ts for why).
const ruleOnly = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { qmon: plugin },
      rules: { [RULE]: ['error', { root }] },
    },
  ],
});

async function errors(code: string, filePath: string): Promise<string[]> {
  const [result] = await ruleOnly.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parser'}: ${m.message}`);
}

describe('deployables lint rule (agent/ | contract/ | hub/)', () => {
  it('rejects the agent importing the hub outside its command line and the embedded demo hub', async () => {
    expect(await errors("import { HubDb } from '../../hub/index.js';\n", 'agent/uplink/x.ts')).toEqual([
      expect.stringMatching(/^qmon\/deployables: the agent does not import the hub \('hub\/index'\): only the command line/) as unknown,
    ]);
    expect(await errors("import type { HubDb } from '../../hub/hub-db.js';\n", 'agent/local/x.ts')).toHaveLength(1);
    expect(await errors("export const f = () => import('../../hub/sim/index.js');\n", 'agent/pipeline/x.ts')).toHaveLength(1);
  });

  it('lets the command line and the demo wiring use the hub through its index only', async () => {
    expect(await errors("import { HubDb } from '../../hub/index.js';\nimport { runFleet } from '../../hub/sim/index.js';\n", 'agent/cli/hub.ts')).toEqual([]);
    expect(await errors("import { ReferenceHub } from '../../hub/index.js';\n", 'agent/app/embedded-hub.ts')).toEqual([]);
    expect(await errors("import type { HubStats } from '../hub/index.js';\n", 'agent/app.ts')).toEqual([]);
    expect(await errors("import { HubDb } from '../../hub/hub-db.js';\n", 'agent/cli/hub.ts')).toEqual([
      `${RULE}: the hub is used through 'hub/index.js' (or 'hub/sim/index.js'), not 'hub/hub-db'`,
    ]);
    // Another file under agent/app/ is not the embedded hub's wiring.
    expect(await errors("import { ReferenceHub } from '../../hub/index.js';\n", 'agent/app/cameras.ts')).toHaveLength(1);
  });

  it('rejects the hub importing the agent beyond its runtime base (shared/, the logger)', async () => {
    expect(await errors("import { Outbox } from '../agent/store/index.js';\n", 'hub/x.ts')).toEqual([
      expect.stringMatching(/^qmon\/deployables: the hub does not import the agent \('agent\/store\/index'\)/) as unknown,
    ]);
    expect(await errors("import { sessions } from '../../agent/local/sessions.js';\n", 'hub/sim/x.ts')).toHaveLength(1);
    const base = [
      "import type { EpochMs } from '../agent/shared/types.js';",
      "import { TokenBucket } from '../agent/shared/index.js';",
      "import type { Logger } from '../agent/ops/index.js';",
    ].join('\n');
    expect(await errors(base, 'hub/x.ts')).toEqual([]);
    expect(await errors("import { createLogger } from '../agent/ops/logger.js';\n", 'hub/x.ts')).toHaveLength(1);
  });

  it('lets both use the contract through its index only, and keeps the contract free of both', async () => {
    expect(await errors("import { topics } from '../../contract/index.js';\n", 'agent/uplink/x.ts')).toEqual([]);
    expect(await errors("import { topics } from '../contract/index.js';\n", 'hub/x.ts')).toEqual([]);
    expect(await errors("import { topics } from '../../contract/topics.js';\n", 'agent/uplink/x.ts')).toEqual([
      `${RULE}: the contract is used through 'contract/index.js', not 'contract/topics'`,
    ]);
    expect(await errors("import { HubDb } from '../hub/index.js';\n", 'contract/x.ts')).toHaveLength(1);
    expect(await errors("import { Outbox } from '../agent/store/index.js';\n", 'contract/x.ts')).toHaveLength(1);
    expect(await errors("import type { EpochMs } from '../agent/shared/types.js';\n", 'contract/x.ts')).toEqual([]);
  });

  it('lets both servers use web/ through its index, and keeps web/ free of both deployables', async () => {
    expect(await errors("import { Sessions } from '../../web/index.js';\n", 'agent/local/x.ts')).toEqual([]);
    expect(await errors("import { Sessions } from '../../web/index.js';\n", 'hub/web/x.ts')).toEqual([]);
    expect(await errors("import { Sessions } from '../../web/sessions.js';\n", 'hub/web/x.ts')).toEqual([
      `${RULE}: the shared web pieces are used through 'web/index.js', not 'web/sessions'`,
    ]);
    expect(await errors("import { ReferenceHub } from '../hub/index.js';\n", 'web/x.ts')).toHaveLength(1);
    expect(await errors("import { LocalServer } from '../agent/local/index.js';\n", 'web/x.ts')).toHaveLength(1);
    expect(await errors("import type { Clock } from '../agent/shared/clock.js';\n", 'web/x.ts')).toEqual([]);
  });

  it('is switched on by the project config for agent/, hub/ and contract/, off for tests and scripts', async () => {
    const project = new ESLint({ cwd: root });
    const severity = async (file: string): Promise<unknown> => {
      const config = (await project.calculateConfigForFile(file)) as { rules?: Record<string, unknown> };
      const setting = config.rules?.[RULE];
      return Array.isArray(setting) ? setting[0] : setting;
    };
    expect(await severity('agent/cli/hub.ts')).toBe(2);
    expect(await severity('hub/http.ts')).toBe(2);
    expect(await severity('hub/sim/fleet.ts')).toBe(2);
    expect(await severity('contract/index.ts')).toBe(2);
    expect(await severity('web/sessions.ts')).toBe(2);
    expect(await severity('test/hub/hub.test.ts')).toBeUndefined();
  });
});
