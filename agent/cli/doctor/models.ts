import { ModelError, ModelRegistry, openVisionModels } from '../../vision/index.js';
import { fail, ok, type CheckResult } from './check.js';

const REINSTALL = 'reinstall the package (apt install --reinstall qmon); from sources: npm run models';

/** Every model in the manifest present with the right sha256, then all of them loaded into ONNX Runtime once. */
export async function modelChecks(modelsDir: string, personMinScore: number): Promise<CheckResult[]> {
  let registry: ModelRegistry;
  try {
    registry = ModelRegistry.open(modelsDir);
  } catch (e) {
    if (e instanceof ModelError) return [fail('models', e.message, REINSTALL)];
    throw e;
  }
  const out: CheckResult[] = [];
  for (const entry of registry.entries()) {
    try {
      await registry.load(entry.name);
      out.push(ok(`model ${entry.name}`, `${registry.pathOf(entry)}: sha256 matches (${entry.bytes} bytes)`));
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      out.push(fail(`model ${entry.name}`, e.message, REINSTALL));
    }
  }
  if (out.some((r) => r.status === 'fail')) return out;
  try {
    const models = await openVisionModels({ registry, personMinScore, attributes: true });
    await models.close();
    out.push(ok('models load', `ONNX Runtime opened all ${registry.entries().length} model(s) from ${registry.modelsDir}`));
  } catch (e) {
    out.push(fail('models load', `ONNX Runtime cannot open the models: ${(e as Error).message}`, REINSTALL));
  }
  return out;
}
