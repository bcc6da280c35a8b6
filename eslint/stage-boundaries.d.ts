// Types for the plain-JS plugin so test/ops/boundaries.test.ts can load it without type-checking JS.
import type { ESLint } from 'eslint';
declare const plugin: ESLint.Plugin;
export default plugin;
