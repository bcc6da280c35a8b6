// The topic table of docs/hub-contract.md, generated from the contract's message table. Run this file
// to print it: npx tsx test/contract/doc-table.ts
import { MESSAGES, type ContractMessage } from '../../contract/index.js';

/** The topic table as the doc must show it (print it with `npx tsx test/contract/doc-table.ts`). */
export function topicTable(messages: readonly ContractMessage[] = MESSAGES): string {
  const rows = messages.map((m) => {
    const schema = m.schemaFile ? `[${m.title}](schemas/${m.schemaFile})` : 'raw JPEG';
    const expiry = m.expiryS === undefined ? '–' : `${m.expiryS} s`;
    return `| \`${m.channel}\` | ${m.publisher} | ${m.qos} | ${m.retain ? 'yes' : 'no'} | ${expiry} | ${schema} | ${m.summary} |`;
  });
  return ['| topic | published by | QoS | retain | expiry (MQTT 5) | payload | what |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

if (process.argv[1]?.endsWith('doc-table.ts')) process.stdout.write(`${topicTable()}\n`);
