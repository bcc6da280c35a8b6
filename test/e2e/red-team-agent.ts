// Child process of red-team.test.ts: a real agent (Store + Uplink) of facility FID on the national broker template
// (TLS, its client certificate, signing with its key, the hub's key pinned), heartbeats every second, an event every
// 200 ms. Only file paths on its command line (nothing secret: `ps` shows argv). Prints `ready` once the hub ACKed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrivateKey, parsePublicKey, signerOf, trustedKeys } from '../../contract/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { violation } from '../store/fixtures.js';
import { agentAt } from './agent.js';

const [dir, url, fid, pki, keyFile, hubKeyFile] = process.argv.slice(2);
if (!dir || !url || !fid || !pki || !keyFile || !hubKeyFile) throw new Error('usage: red-team-agent.ts <dir> <mqtts url> <fid> <pki dir> <key.pem> <hub.pub.pem>');
const key = parsePrivateKey(readFileSync(keyFile, 'utf8'));
const agent = agentAt(dir, url, systemClock, {
  fid,
  tls: { ca: readFileSync(join(pki, 'ca.pem')), cert: readFileSync(join(pki, `${fid}.pem`)), key: readFileSync(join(pki, `${fid}.key`)) },
  signer: signerOf(key),
  hubKeys: trustedKeys([parsePublicKey(readFileSync(hubKeyFile, 'utf8'))]),
  heartbeatS: 1,
  replayRatePerS: 100,
});
let ready = false;
agent.uplink.on('acked', ({ acked }) => {
  if (ready || acked === 0) return;
  ready = true;
  process.stdout.write('ready\n');
});
agent.uplink.start();
let i = 10_000;
setInterval(() => agent.recorder.record(violation(i++)), 200);
