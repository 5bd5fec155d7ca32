import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'coverage/**',
      'profiles/**',
      'examples/**',
      'bench/results/**',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // ../shared is reference material beside a developer's checkout, never there for a user: vendor instead.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'Literal[value=/(^|[\\/])\\.\\.[\\/]+(\\.\\.[\\/]+)*shared([\\/]|$)|nictiz-r4-zib2020|^shared$/]',
          message:
            'Nothing may read ../shared: vendor what is needed (profiles/nl-core, profiles/nl-core-examples).',
        },
      ],
    },
  },
  {
    // domain/ holds MESO and Dutch rules only: no FHIR, HTTP or SQL.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/fhir/**', '**/store/**', '**/security/**', '**/app', '**/server'],
              message: 'domain/ may not depend on FHIR, HTTP or the store.',
            },
            {
              group: ['pg', 'express', '@medplum/*', 'fhir', 'fhirpath'],
              message: 'domain/ may not depend on FHIR, HTTP or SQL libraries.',
            },
          ],
        },
      ],
    },
  },
);
