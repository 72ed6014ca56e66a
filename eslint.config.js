// ESLint (flat config): typescript-eslint's recommended rules plus the few this project relies on.
// Formatting is Prettier's job (npm run format); ESLint only checks what can be wrong.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'reports/', '.stryker-tmp/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // Every error a user can meet is a KeyceremonyError with a code and exit status; every "cannot happen" is a
    // bug(). A bare Error would reach the user as an "internal error" that is neither.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Error']",
          message:
            'No bare Error in src/: throw a KeyceremonyError (user-facing, with a code) or bug(…) (an invariant); see src/errors.ts.',
        },
        {
          selector: "CallExpression[callee.name='Error']",
          message:
            'No bare Error in src/: throw a KeyceremonyError (user-facing, with a code) or bug(…) (an invariant); see src/errors.ts.',
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
);
