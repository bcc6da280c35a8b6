import { runAgentStep, sceneFile } from './capacity-agent.js';
const [scene, n, s] = process.argv.slice(2);
const file = await sceneFile(scene as 'busy' | 'quiet', '/tmp/qb');
console.log(JSON.stringify(await runAgentStep(scene as 'busy' | 'quiet', Number(n), Number(s), file)));
