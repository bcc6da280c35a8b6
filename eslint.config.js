// Lint on top of `tsc --noEmit`: catches what the compiler allows but reviewers reject
// (floating promises, unused values, `any` that slipped in without a reason).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import path from 'node:path';
import stageBoundaries from './eslint/stage-boundaries.js';

export default tseslint.config(
  // Build output is never linted, wherever it lies: dist/ anywhere (a package's staged tree carries one), deb-out/
  // (npm run package), test output.
  { ignores: ['**/dist/**', 'deb-out/**', 'node_modules/**', 'models/**', 'data/**', '.cache/**', 'coverage/**', '.test-out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'eslint/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // A stage under agent/ uses another only through its index.ts (agent/shared/ is open to all); the wiring
    // (agent/app*, agent/cli*) follows the same rule. Tests and scripts may reach into the module they exercise.
    files: ['agent/**/*.ts'],
    plugins: { qmon: stageBoundaries },
    rules: { 'qmon/stage-boundaries': ['error', { root: path.join(import.meta.dirname, 'agent') }] },
  },
  {
    // Two deployables and one interface: agent/ and hub/ do not reach into each other, both use contract/ through its
    // index (the few named exceptions are in eslint/deployables.js).
    files: ['agent/**/*.ts', 'hub/**/*.ts', 'contract/**/*.ts', 'web/**/*.ts'],
    plugins: { qmon: stageBoundaries },
    rules: { 'qmon/deployables': ['error', { root: import.meta.dirname }] },
  },
  { files: ['eslint.config.js', 'eslint/*.js'], ...tseslint.configs.disableTypeChecked },
  // The guard dashboard's and the hub's pages: plain browser ES modules, no build step, so no TypeScript project to type-check against.
  {
    files: ['agent/local/ui/**/*.js', 'hub/web/ui/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'localStorage', 'fetch', 'EventSource', 'URLSearchParams', 'Intl', 'Node', 'CustomEvent',
          'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'console', 'performance', 'MutationObserver', 'URL'].map((g) => [g, 'readonly']),
      ),
    },
  },
);
