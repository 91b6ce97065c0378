// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Provider root barrels load every resource class: ~5x the time and memory of a deep import. */
const providerBarrels = ['@cdktf/provider-aws', '@cdktf/provider-azurerm', '@cdktf/provider-databricks'].map((name) => ({
  name,
  message: `Import the resource's own module instead, e.g. ${name}/lib/<resource>: the root barrel costs ~5x time and memory in tsc, synth and jest.`,
}));

const barrelPattern = { regex: '^@cdktf/provider-[a-z0-9-]+/lib/?$', message: 'The lib index is a barrel too: import @cdktf/provider-<name>/lib/<resource>.' };

/**
 * The layers, lowest first: constructs < stacks/config < policy < stacks (app, sections) < cli.
 * Nothing imports upward; tests may import anything. docs/architecture.md explains the layers.
 */
const upward = (what, regex) => ({ regex, message: `Nothing imports upward: ${what}. See docs/architecture.md (layers).` });
const LAYERS = [
  {
    files: ['stacks/**/*.ts'],
    patterns: [upward('stacks/ must not import cli/', '^(\\.\\./)+cli(/|$)')],
  },
  {
    files: ['policy/**/*.ts'],
    patterns: [
      upward('policy/ may import stacks/config/ and constructs/ only', '^(\\.\\./)+stacks/(?!config/)'),
      upward('policy/ must not import cli/', '^(\\.\\./)+cli(/|$)'),
    ],
  },
  {
    files: ['stacks/config/**/*.ts'],
    patterns: [
      upward('the config schema must not import the stacks that use it', '^\\.\\./(app|deployment-stack|backend|stack-json|sections)(/|$)'),
      upward('the config schema must not import policy/ or cli/', '^(\\.\\./)+(policy|cli)(/|$)'),
    ],
  },
  {
    files: ['constructs/**/*.ts'],
    patterns: [upward('constructs/ must not import stacks/, policy/, cli/ or main', '^(\\.\\./)+(stacks|policy|cli|main)(/|$)')],
  },
];
const restrictedImports = (patterns = []) => ['error', { paths: providerBarrels, patterns: [barrelPattern, ...patterns] }];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'coverage/', '**/*.js', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-imports': restrictedImports(),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-new': 'off',
    },
  },
  ...LAYERS.map(({ files, patterns }) => ({ files, rules: { 'no-restricted-imports': restrictedImports(patterns) } })),
  {
    // Functions <= 100 lines (developers' guide; issue 16): a longer unit hides its steps. Tests are exempt.
    files: ['constructs/**/*.ts', 'stacks/**/*.ts', 'policy/**/*.ts', 'cli/**/*.ts', 'main.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 100 }] },
  },
);
