import { commitRate } from '/work/wt-hub-trust/scripts/bench/hub.ts';
const r = await commitRate(1);
process.stdout.write(JSON.stringify(r) + '\n');
