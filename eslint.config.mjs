// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Provider root barrels load every resource class: ~5x the time and memory of a deep import. */
const providerBarrels = ['@cdktf/provider-aws', '@cdktf/provider-azurerm', '@cdktf/provider-databricks'].map((name) => ({
  name,
  message: `Import the resource's own module instead, e.g. ${name}/lib/<resource>: the root barrel costs ~5x time and memory in tsc, synth and jest.`,
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'coverage/', '**/*.js', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: providerBarrels,
          patterns: [{ regex: '^@cdktf/provider-[a-z0-9-]+/lib/?$', message: 'The lib index is a barrel too: import @cdktf/provider-<name>/lib/<resource>.' }],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-new': 'off',
    },
  },
);
