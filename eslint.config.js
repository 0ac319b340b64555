import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.ci/node22/', '.bench/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The domain stays pure: the architecture test enforces the same rule at run time.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '^(?!\\.{1,2}/)', message: 'core/ imports only from core/ (no packages, no node: builtins).' },
        { regex: '(^|/)(adapters|apps)(/|$)', message: 'core/ must not import from adapters/ or apps/.' },
      ] }],
    },
  },
);
