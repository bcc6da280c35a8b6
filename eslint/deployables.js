// Local ESLint rule: the repository holds two deployables and the one interface between them (README: Layout):
// `agent/` (the facility's edge agent), `hub/` (the national side: the hub, its web view, the fleet simulator) and
// `contract/` (qmon/v1, imported by both). Neither deployable reaches into the other; both use the contract through its
// index. `web/` holds the pieces both web servers are made of (sessions, CSRF, Host check, lockout, passwords, static
// files, server-sent events): agent/ and hub/ use it through its index; it uses only the runtime base below. The exceptions are few and named here, so a new one is a visible change to this file:
//   - the agent's command line runs `qmon hub ...` and `qmon sim`, and the demo's embedded hub (`hub.mode: embedded`)
//     is wired in `agent/app.ts` + `agent/app/embedded-hub.ts`: those files may import `hub/index.js`
//     (and `hub/sim/index.js`);
//   - the hub and the contract are built on the agent's runtime base: `agent/shared/` (value types, clock, ids, token
//     bucket, file permissions, atomic file writes) and `agent/ops/index.js` (logger with redaction). Nothing else of
//     the agent. (A later move of that base to a top-level folder changes only this list.)
import path from 'node:path';

/** Files under agent/ that wire the hub in (prefixes of paths relative to the repository, without extension). */
export const AGENT_HUB_WIRING = ['agent/cli/', 'agent/cli', 'agent/app', 'agent/app/embedded-hub'];

/** What hub/ and contract/ may use of agent/ (prefixes ending in '/' are folders, others exact files). */
export const AGENT_BASE_FOR_HUB = ['agent/shared/', 'agent/ops/index'];
/** The contract is the interface: of the agent it uses only the shared value types. */
export const AGENT_BASE_FOR_CONTRACT = ['agent/shared/types'];

/** The entry points of each deployable's public face, as seen from the other. */
const HUB_ENTRIES = ['hub/index', 'hub/sim/index'];
const CONTRACT_ENTRY = 'contract/index';

const DEPLOYABLES = new Set(['agent', 'hub', 'contract', 'web']);
const WEB_ENTRY = 'web/index';

/** @param {string} rel @param {string[]} list */
function listed(rel, list) {
  return list.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p));
}

/**
 * Why `target` may not be imported from `source` (both relative to the repository, '/'-separated, no extension),
 * or null when it may.
 * @param {string} source
 * @param {string} target
 */
export function deployableViolation(source, target) {
  const from = source.split('/')[0] ?? '';
  const to = target.split('/')[0] ?? '';
  if (!DEPLOYABLES.has(from) || !DEPLOYABLES.has(to) || from === to) return null;
  if (to === 'contract') {
    return target === CONTRACT_ENTRY ? null : `the contract is used through 'contract/index.js', not '${target}'`;
  }
  if (to === 'web') {
    if (from === 'contract') return `the contract imports neither deployable nor web/ ('${target}')`;
    return target === WEB_ENTRY ? null : `the shared web pieces are used through 'web/index.js', not '${target}'`;
  }
  if (from === 'agent' && to === 'hub') {
    if (!listed(source, AGENT_HUB_WIRING)) {
      return `the agent does not import the hub ('${target}'): only the command line (agent/cli/) and the demo's embedded hub (agent/app.ts, agent/app/embedded-hub.ts) wire it in (eslint/deployables.js)`;
    }
    return HUB_ENTRIES.includes(target) ? null : `the hub is used through 'hub/index.js' (or 'hub/sim/index.js'), not '${target}'`;
  }
  if ((from === 'hub' || from === 'web') && to === 'agent') {
    return listed(target, AGENT_BASE_FOR_HUB)
      ? null
      : `${from === 'hub' ? 'the hub' : 'web/'} does not import the agent ('${target}'): only its runtime base ${AGENT_BASE_FOR_HUB.join(', ')} (eslint/deployables.js)`;
  }
  if (from === 'web') return `web/ is used by both deployables and imports neither ('${target}')`;
  if (from === 'contract') {
    if (to === 'agent' && listed(target, AGENT_BASE_FOR_CONTRACT)) return null;
    return `the contract imports neither deployable ('${target}'): only the value types ${AGENT_BASE_FOR_CONTRACT.join(', ')}`;
  }
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
export const deployablesRule = {
  meta: {
    type: 'problem',
    docs: { description: 'agent/ and hub/ do not reach into each other; both use contract/ through its index.' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, required: ['root'], additionalProperties: false }],
    messages: { cross: '{{why}}' },
  },
  create(context) {
    const root = path.resolve(context.options[0]?.root ?? '.');
    const file = path.resolve(context.filename);
    const fromRel = path.relative(root, file);
    if (fromRel.startsWith('..') || path.isAbsolute(fromRel)) return {};
    const source = posixWithoutExtension(fromRel);

    /** @param {import('estree').Node | null | undefined} node */
    function check(node) {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const spec = node.value;
      if (!spec.startsWith('.')) return;
      const rel = path.relative(root, path.resolve(path.dirname(file), spec));
      if (rel.startsWith('..') || path.isAbsolute(rel)) return;
      const why = deployableViolation(source, posixWithoutExtension(rel));
      if (why) context.report({ node, messageId: 'cross', data: { why } });
    }

    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

/** @param {string} rel */
function posixWithoutExtension(rel) {
  return rel.split(path.sep).join('/').replace(/\.[cm]?[jt]s$/, '');
}
