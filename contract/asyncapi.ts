import { stringify } from 'yaml';
import { jsonSchemaFor, type JsonSchemaFile } from './json-schemas.js';
import { MESSAGES, WILL_DELAY_S, type ContractMessage } from './messages.js';
import { MAX_SNAPSHOT_BYTES } from './limits.js';
import { CAMERA_ID_RE, EVENT_ID_RE, FID_RE } from './topics.js';

/**
 * `docs/asyncapi.yaml` (AsyncAPI 3.0.0), generated from the message table and the zod schemas:
 * one channel per topic, operations from the AGENT's point of view (it sends `evt`, receives
 * `ack`), QoS, retain and expiry as MQTT bindings, payloads as draft-07 JSON Schema (what
 * AsyncAPI's default schema format extends). `scripts/contract-docs.ts` writes it and a test fails
 * when the committed file differs.
 */

const MQTT_BINDING = '0.2.0';

const PARAMETERS = {
  fid: {
    description: `Facility id, assigned by the hub: ${String(FID_RE)}; "hub" is reserved.`,
    examples: ['bg-0137'],
  },
  camera_id: { description: `Camera id from the facility config: ${String(CAMERA_ID_RE)}.`, examples: ['corridor-a'] },
  event_id: { description: `Event id, UUIDv7 (what the agent creates) or ULID: ${String(EVENT_ID_RE)}.`, examples: ['0192a4e5-7c1d-7b3e-9f00-1a2b3c4d5e6f'] },
} as const;

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase());

function parametersOf(channel: string): Record<string, { $ref: string }> | undefined {
  const names = [...channel.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!);
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((n) => [n, { $ref: `#/components/parameters/${n}` }]));
}

/** A draft-07 payload schema as AsyncAPI embeds it (no `$schema`/`$id` of its own). */
function payloadOf(m: ContractMessage): Record<string, unknown> {
  if (m.payload === 'jpeg') {
    return { type: 'string', format: 'binary', description: `Raw JPEG bytes, at most ${MAX_SNAPSHOT_BYTES}.` };
  }
  const { $schema: _s, $id: _i, ...schema } = jsonSchemaFor(m.schemaFile as JsonSchemaFile, 'draft-7');
  return schema;
}

function messageOf(m: ContractMessage): Record<string, unknown> {
  const correlation =
    m.name === 'res' || m.reply
      ? { bindings: { mqtt: { correlationData: { type: 'string', format: 'binary', description: 'MQTT 5 correlation data: the agent echoes the command\'s on its response.' }, bindingVersion: MQTT_BINDING } } }
      : {};
  return {
    name: m.name,
    title: m.title,
    summary: m.summary,
    contentType: m.payload === 'jpeg' ? 'image/jpeg' : 'application/json',
    payload: payloadOf(m),
    ...correlation,
  };
}

function operationOf(m: ContractMessage): [string, Record<string, unknown>] {
  const action = m.publisher === 'agent' ? 'send' : 'receive';
  const channel = { $ref: `#/channels/${m.name}` };
  const res = MESSAGES.find((x) => x.name === m.reply);
  return [
    `${action}${pascal(m.name)}`,
    {
      action,
      channel,
      summary: m.summary,
      messages: [{ $ref: `#/channels/${m.name}/messages/${m.name}` }],
      bindings: {
        mqtt: { qos: m.qos, retain: m.retain, ...(m.expiryS !== undefined && { messageExpiryInterval: m.expiryS }), bindingVersion: MQTT_BINDING },
      },
      ...(res && { reply: { channel: { $ref: `#/channels/${res.name}` }, messages: [{ $ref: `#/channels/${res.name}/messages/${res.name}` }] } }),
    },
  ];
}

export function asyncApiDocument(): Record<string, unknown> {
  const messages: readonly ContractMessage[] = MESSAGES;
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'qmon hub contract',
      version: '1',
      description:
        'What a qmon facility agent and the national hub say to each other over MQTT, under the topic root qmon/v1. ' +
        'Operations are written from the agent\'s point of view. Prose, examples, ACK semantics and versioning rules: ' +
        'docs/hub-contract.md. Generated from contract by scripts/contract-docs.ts; do not edit.',
    },
    defaultContentType: 'application/json',
    servers: {
      hub: {
        host: 'hub.example.org:8883',
        protocol: 'secure-mqtt',
        protocolVersion: '5.0',
        description: 'The national hub\'s broker. MQTT 5 preferred; agents fall back to 3.1.1 when the broker refuses 5.',
        security: [{ $ref: '#/components/securitySchemes/clientCertificate' }],
        bindings: {
          mqtt: {
            cleanSession: false,
            sessionExpiryInterval: 86_400,
            lastWill: { topic: 'qmon/v1/{fid}/status', qos: 1, retain: true, message: `qmon.status/1 with state "offline" (will delay ${WILL_DELAY_S} s on MQTT 5)` },
            bindingVersion: MQTT_BINDING,
          },
        },
      },
    },
    channels: Object.fromEntries(
      messages.map((m) => [
        m.name,
        {
          address: m.channel,
          title: m.title,
          messages: { [m.name]: { $ref: `#/components/messages/${m.name}` } },
          ...(parametersOf(m.channel) && { parameters: parametersOf(m.channel) }),
        },
      ]),
    ),
    operations: Object.fromEntries(messages.map(operationOf)),
    components: {
      parameters: PARAMETERS,
      messages: Object.fromEntries(messages.map((m) => [m.name, messageOf(m)])),
      securitySchemes: {
        clientCertificate: { type: 'X509', description: 'TLS >= 1.2, the hub CA pinned by the agent, one client certificate per facility.' },
      },
    },
  };
}

/** The exact text of `docs/asyncapi.yaml`, so a byte comparison is meaningful. */
export function asyncApiText(): string {
  return `# Generated by scripts/contract-docs.ts from contract/ (the zod schemas); do not edit.\n${stringify(asyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
