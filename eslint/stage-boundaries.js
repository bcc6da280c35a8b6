// Local ESLint plugin: a stage (a folder under agent/) is used by others only through its index.ts, and only by the
// stages after it in the data flow (README: Architecture), so "data flows one way" is checked, not a convention.
// `no-restricted-imports` matches the import text alone, so it cannot tell `../store/outbox.js` written in agent/rules/
// (a deep import into another stage) from `../backoff.js` written in agent/camera/onvif/ (inside its own stage);
// this rule resolves each relative import against the importing file and judges the path it lands on.
import path from 'node:path';
import { deployablesRule } from './deployables.js';

/** Folders every stage may reach into: cross-cutting types and helpers that belong to no one stage. */
const OPEN_FOLDERS = new Set(['shared']);

/**
 * What every stage may import (through its index): the value types, logging and metrics, the version. The hub contract
 * is a top-level folder beside agent/ (`contract/`), checked by eslint/deployables.js.
 */
export const OPEN_STAGES = new Set(['shared', 'ops', 'version']);

/**
 * The stages in the order data flows through them (README: Architecture): a stage imports only stages before it.
 * The wiring (app) and the command (cli) last. The national hub and its simulator are not stages of the agent: they
 * live in hub/ beside it (eslint/deployables.js keeps the two apart).
 */
export const STAGE_ORDER = ['decode', 'camera', 'vision', 'track', 'rules', 'config', 'events', 'store', 'pipeline', 'uplink', 'local', 'app', 'cli'];

/**
 * The stage a path under agent/ belongs to: its first folder, or for a top-level file (agent/app.ts, agent/cli.ts,
 * agent/version.ts) the file's own name, so agent/app.ts and agent/app/ are one stage (the wiring).
 * @param {string[]} parts path segments relative to agent/, without the extension on the last one
 */
function stageOf(parts) {
  return parts[0] ?? '';
}

/**
 * Why `target` (segments under agent/) may not be imported from `source`, or null when it may.
 * @param {string[]} source
 * @param {string[]} target
 */
function violation(source, target) {
  const from = stageOf(source);
  const to = stageOf(target);
  if (from === to) return null; // inside its own stage anything goes
  if (!OPEN_STAGES.has(to)) {
    const i = STAGE_ORDER.indexOf(from);
    const j = STAGE_ORDER.indexOf(to);
    if (j < 0) return `'${to}' is in no place of the stage order (eslint/stage-boundaries.js STAGE_ORDER): add it where its data flows`;
    if (i >= 0 && j > i) return `'${from}' may not import '${to}': data flows ${STAGE_ORDER.join(' → ')}, and a stage imports only the stages before it (plus shared/, ops/)`;
  }
  if (target.length === 1) return null; // a top-level entry file (agent/app.ts, agent/version.ts)
  if (OPEN_FOLDERS.has(to)) return null;
  if (target.length === 2 && target[1] === 'index') return null;
  return `'${to}' is a stage: import it through '${to}/index.js', not '${target.join('/')}'`;
}

/** @type {import('eslint').Rule.RuleModule} */
const stageBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'A stage under agent/ imports another stage only through its index.ts (agent/shared/ is open to all).' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, required: ['root'], additionalProperties: false }],
    messages: { deep: "{{why}}" },
  },
  create(context) {
    const root = path.resolve(context.options[0]?.root ?? 'agent');
    const file = path.resolve(context.filename);
    const fromRel = path.relative(root, file);
    if (fromRel.startsWith('..') || path.isAbsolute(fromRel)) return {};
    const source = withoutExtension(fromRel);

    /** @param {import('estree').Node | null | undefined} node */
    function check(node) {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const spec = node.value;
      if (!spec.startsWith('.')) return; // packages and node: builtins are not stages
      const rel = path.relative(root, path.resolve(path.dirname(file), spec));
      if (rel.startsWith('..') || path.isAbsolute(rel)) return; // outside agent/ (e.g. package.json)
      const why = violation(source, withoutExtension(rel));
      if (why) context.report({ node, messageId: 'deep', data: { why } });
    }

    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

/** @param {string} rel a path relative to agent/ */
function withoutExtension(rel) {
  const parts = rel.split(path.sep);
  const last = parts.length - 1;
  parts[last] = (parts[last] ?? '').replace(/\.[cm]?[jt]s$/, '');
  return parts;
}

/** The plugin, registered as `qmon` in eslint.config.js. */
export default { meta: { name: 'qmon-stage-boundaries' }, rules: { 'stage-boundaries': stageBoundaries, deployables: deployablesRule } };
