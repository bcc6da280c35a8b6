// docs/asyncapi.yaml is generated from contract; it must be committed as generated, be a
// well-formed AsyncAPI 3 document (every $ref resolves, every topic parameter is declared), and its
// payload schemas must accept what the real builders produce.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MESSAGES, asyncApiText } from '../../contract/index.js';
import { validate } from './json-schema-lite.js';
import { SAMPLES } from './samples.js';

const FILE = fileURLToPath(new URL('../../docs/asyncapi.yaml', import.meta.url));
type Node = Record<string, unknown>;

function resolve(doc: Node, ref: string): unknown {
  expect(ref.startsWith('#/'), ref).toBe(true);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Node)[key] : undefined), doc);
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('docs/asyncapi.yaml', () => {
  const text = readFileSync(FILE, 'utf8');
  const doc = parse(text) as Node;

  it('is what contract generates (run: npx tsx scripts/contract-docs.ts)', () => {
    expect(text).toBe(asyncApiText());
  });

  it('is AsyncAPI 3.0.0 whose every $ref resolves and every topic parameter is declared', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(30);
    for (const ref of refs) expect(resolve(doc, ref), ref).toBeDefined();
    for (const [id, ch] of Object.entries(doc.channels as Record<string, Node>)) {
      const names = [...(ch.address as string).matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
      expect(Object.keys((ch.parameters as Node | undefined) ?? {}).sort(), id).toEqual([...names].sort());
    }
  });

  it('has one channel and one operation per contract message, from the agent\'s side, with its MQTT binding', () => {
    const operations = Object.values(doc.operations as Record<string, Node>);
    expect(operations).toHaveLength(MESSAGES.length);
    for (const m of MESSAGES) {
      const op = operations.find((o) => (o.channel as Node).$ref === `#/channels/${m.name}`);
      expect(op?.action, m.name).toBe(m.publisher === 'agent' ? 'send' : 'receive');
      expect((op?.bindings as { mqtt: Node }).mqtt).toMatchObject({ qos: m.qos, retain: m.retain });
      expect(((doc.channels as Record<string, Node>)[m.name] as Node).address).toBe(m.channel);
    }
    const commands = operations.filter((o) => ((o.channel as Node).$ref as string).startsWith('#/channels/cmd-'));
    expect(commands).toHaveLength(5);
    for (const c of commands) expect(((c.reply as Node).channel as Node).$ref).toBe('#/channels/res');
  });

  it('carries payload schemas that accept what the real builders produce and refuse a wrong type', () => {
    const messages = (doc.components as { messages: Record<string, { payload: Node }> }).messages;
    for (const m of MESSAGES) {
      if (!('schemaFile' in m)) continue;
      const payload = messages[m.name]?.payload;
      expect(payload, m.name).toBeDefined();
      for (const sample of SAMPLES[m.schemaFile]) {
        expect(validate(payload!, sample), `${m.name} ${JSON.stringify(sample)}`).toEqual([]);
        expect(validate(payload!, { ...sample, schema: 42 }).length, m.name).toBeGreaterThan(0);
      }
    }
    expect(messages.snap).toMatchObject({ contentType: 'image/jpeg', payload: { type: 'string', format: 'binary' } });
  });
});
