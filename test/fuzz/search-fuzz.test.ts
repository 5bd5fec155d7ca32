import fc from 'fast-check';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { SUPPORTED_TYPES } from '../../src/kernel/resource-types';
import { searchableParams, searchParam } from '../../src/fhir/search/registry';
import { FuzzServer, ROLES, type Caller, type FuzzRequest } from './http-harness';
import { HOSTILE_DATES, hostileStrings, PERCENT_JUNK } from './hostile-values';
import { describeFuzz, FUZZ_SEED, fcParams, timeoutFor } from './fuzz-config';

/**
 * Issue 8 §2, reads: every search parameter of every served type (its registry, the result parameters, chains,
 * modifiers and prefixes) with garbage values, by GET and POST _search, by every demo client; history with garbage
 * _since/_at/_count/_cursor; vread and read with hostile ids; forged paging cursors. Property: never a 5xx, every
 * 4xx an OperationOutcome.
 */
const SEARCH_RUNS = 600;
const HISTORY_RUNS = 200;
const CURSOR_RUNS = 120;
// Huge values, but mostly below Node's 16 KB header limit once percent-encoded, so they reach the search.
const hostileString = hostileStrings(5_000);

const RESULT_PARAMS = [
  '_id',
  '_lastUpdated',
  '_count',
  '_sort',
  '_include',
  '_revinclude',
  '_include:iterate',
  '_summary',
  '_elements',
  '_total',
  '_cursor',
  '_format',
  '_pretty',
  '_profile',
  '_tag',
  '_security',
  '_source',
  '_has:Observation:subject:code',
  '_type',
  '_text',
  '_content',
  '_list',
];
const MODIFIERS = [
  'exact',
  'contains',
  'missing',
  'not',
  'identifier',
  'text',
  'above',
  'below',
  'in',
  'not-in',
  'of-type',
  'Patient',
  'Organization',
  'iterate',
  'x',
  '',
];
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'xx', ''];
const NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e-400',
  '999999999999999999999',
  '0x10',
  '1,2',
  '1.',
  '.5',
  '5.4e',
  '١٢',
];
const TOKENS = [
  '|',
  '||',
  'a|b|c',
  '|x',
  'x|',
  'http://fhir.nl/fhir/NamingSystem/bsn|999911120',
  'http://loinc.org|',
];
const QUANTITIES = ['5.4|http://unitsofmeasure.org|mg', '5||', '1e400|http://unitsofmeasure.org|kg', '|||'];
const REFERENCES = [
  'Patient/',
  'Patient/x/_history/99999999999',
  'http://x/fhir/Patient/1',
  'urn:uuid:x',
  '#x',
  'Patient?x=1',
  '/',
];
const SORTS = [
  '_lastUpdated',
  '-_lastUpdated',
  '_id',
  'birthdate',
  '-date',
  'name,-_id',
  'x',
  '-',
  ',',
  '--_id',
  'identifier',
];
const SUMMARIES = ['true', 'false', 'count', 'text', 'data', 'x'];
const TOTALS = ['none', 'estimate', 'accurate', 'x'];

let server: FuzzServer;
let ids: Map<string, string[]>;
let nextLinks: Array<{ path: string; cursor: string }>;

beforeAll(async () => {
  server = await FuzzServer.start();
  const stored = await server.storedResources(SUPPORTED_TYPES.filter((t) => t !== 'AuditEvent'));
  ids = new Map();
  for (const r of stored) ids.set(r.resourceType, [...(ids.get(r.resourceType) ?? []), r.id as string]);
  nextLinks = await realNextLinks();
}, 300_000);
afterAll(() => server?.close());

const failIfAny = () => server.assertNoFailures(FUZZ_SEED);

/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD, as any client would send it). */
function enc(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

const callerArb: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Caller>('admin') },
  { weight: 5, arbitrary: fc.constantFrom<Caller>(...ROLES) },
  { weight: 1, arbitrary: fc.constant<Caller>('none') },
);

/** A search value: garbage, or a prefixed date or number, a token, quantity or reference with garbage in it. */
const valueArb: fc.Arbitrary<{ text: string; raw: boolean }> = fc.oneof(
  { weight: 5, arbitrary: hostileString.map((text) => ({ text, raw: false })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...HOSTILE_DATES, ...NUMBERS))
      .map(([p, v]) => ({ text: p + v, raw: false })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        ...TOKENS,
        ...QUANTITIES,
        ...REFERENCES,
        ...SORTS,
        ...SUMMARIES,
        ...TOTALS,
        'true',
        'false',
      )
      .map((text) => ({ text, raw: false })),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom(...PERCENT_JUNK, 'a', '9', ','), { minLength: 1, maxLength: 4 })
      .map((parts) => ({ text: parts.join(''), raw: true })),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(hostileString, { minLength: 2, maxLength: 3 })
      .map((vs) => ({ text: vs.join(','), raw: false })),
  },
);

/** A parameter name for a type: its own parameters with or without a modifier, a chain, or a result parameter. */
function keyArb(type: string): fc.Arbitrary<string> {
  const own = searchableParams(type).map((p) => p.code);
  const references = searchableParams(type).filter((p) => p.type === 'reference');
  const chains = references.flatMap((p) =>
    (p.targets.length ? p.targets : ['Patient']).flatMap((target) =>
      searchableParams(target)
        .slice(0, 12)
        .flatMap((q) => [`${p.code}.${q.code}`, `${p.code}:${target}.${q.code}`]),
    ),
  );
  const arbs: Array<fc.WeightedArbitrary<string>> = [
    { weight: 5, arbitrary: fc.constantFrom(...own) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...own), fc.constantFrom(...MODIFIERS))
        .map(([c, m]) => `${c}:${m}`),
    },
    { weight: 3, arbitrary: fc.constantFrom(...RESULT_PARAMS) },
    { weight: 1, arbitrary: hostileString },
  ];
  if (chains.length) arbs.push({ weight: 2, arbitrary: fc.constantFrom(...chains) });
  return fc.oneof(...arbs);
}

/** Values that fit the parameter's meaning a little, so the parse reaches the store more often. */
function pairArb(type: string): fc.Arbitrary<string> {
  return fc.tuple(keyArb(type), valueArb, fc.constantFrom(...SUPPORTED_TYPES)).map(([key, value, other]) => {
    const v = value.raw ? value.text : enc(value.text);
    const k =
      /^_(rev)?include/.test(key) && !value.raw && value.text.length < 3
        ? `${key}=${type}:${value.text}`
        : null;
    if (k) return k;
    if (/^_(rev)?include/.test(key) && value.text === 'true') {
      const refs = searchableParams(other).filter((p) => p.type === 'reference');
      return `${key}=${other}:${refs[0]?.code ?? 'subject'}`;
    }
    return `${value.raw ? key : enc(key)}=${v}`;
  });
}

const formatArb = fc.constantFrom(
  '',
  '',
  '',
  '&_format=xml',
  '&_format=json',
  '&_format=garbage',
  '&_pretty=true',
  '&_format=application/fhir%2Bxml',
);

const searchArb = fc.constantFrom(...SUPPORTED_TYPES).chain((type) =>
  fc.record({
    type: fc.constant(type),
    pairs: fc.array(pairArb(type), { minLength: 1, maxLength: 3 }),
    how: fc.constantFrom('get', 'get', 'get', 'post', 'post-wrong-type', 'system'),
    format: formatArb,
    caller: callerArb,
    lenient: fc.boolean(),
  }),
);

interface SearchCase {
  type: string;
  pairs: string[];
  how: string;
  format: string;
  caller: Caller;
  lenient: boolean;
}

function searchRequest(c: SearchCase): FuzzRequest {
  const query = c.pairs.join('&');
  const headers: Record<string, string> = c.lenient ? { Prefer: 'handling=lenient' } : {};
  switch (c.how) {
    case 'post':
    case 'post-wrong-type':
      return {
        method: 'POST',
        path: `${c.type}/_search${c.format ? `?${c.format.slice(1)}` : ''}`,
        caller: c.caller,
        headers: {
          ...headers,
          'Content-Type': c.how === 'post' ? 'application/x-www-form-urlencoded' : 'application/fhir+json',
        },
        body: query,
      };
    case 'system':
      return { method: 'GET', path: `?_type=${c.type}&${query}${c.format}`, caller: c.caller, headers };
    default:
      return { method: 'GET', path: `${c.type}?${query}${c.format}`, caller: c.caller, headers };
  }
}

const HISTORY_KEYS = ['_since', '_at', '_count', '_cursor', '_format', '_type', '_x'];
const VERSIONS = [
  '99999999999',
  '2147483648',
  '2147483647',
  '9223372036854775808',
  '-1',
  '0',
  '1e3',
  '１',
  'abc',
  '9'.repeat(400),
  '1.5',
  '%%%',
  '%ED%A0%80',
];

describeFuzz('search fuzz: every search parameter with garbage values', () => {
  test(
    'GET and POST _search by every client: never a 5xx, always an OperationOutcome',
    async () => {
      await fc.assert(
        fc.asyncProperty(searchArb, async (c) => {
          const req = searchRequest(c);
          await server.exchange(`${c.how} ${c.type} search`, req);
          return true;
        }),
        fcParams(SEARCH_RUNS),
      );
      failIfAny();
    },
    timeoutFor(SEARCH_RUNS, 100),
  );

  test(
    'history with garbage _since, _at, _count and _cursor; vread and read with hostile ids',
    async () => {
      const types = SUPPORTED_TYPES.filter((t) => ids.has(t));
      const caseArb = fc.record({
        type: fc.constantFrom(...types),
        level: fc.constantFrom('system', 'type', 'instance', 'vread', 'read'),
        pairs: fc.array(
          fc
            .tuple(fc.constantFrom(...HISTORY_KEYS), valueArb)
            .map(([k, v]) => `${k}=${v.raw ? v.text : enc(v.text)}`),
          { maxLength: 3 },
        ),
        version: fc.oneof(fc.constantFrom(...VERSIONS), hostileString.map(enc)),
        which: fc.nat(),
        caller: callerArb,
      });
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const list = ids.get(c.type) as string[];
          const id = list[c.which % list.length];
          const q = c.pairs.length ? `?${c.pairs.join('&')}` : '';
          const path = {
            system: `_history${q}`,
            type: `${c.type}/_history${q}`,
            instance: `${c.type}/${id}/_history${q}`,
            vread: `${c.type}/${id}/_history/${c.version}`,
            read: `${c.type}/${c.version}${q}`,
          }[c.level];
          await server.exchange(`${c.level} ${c.type}`, { method: 'GET', path, caller: c.caller });
          return true;
        }),
        fcParams(HISTORY_RUNS),
      );
      failIfAny();
    },
    timeoutFor(HISTORY_RUNS, 100),
  );

  test(
    'forged paging cursors (real fingerprint, garbage sort values) and garbage cursors',
    async () => {
      const caseArb = fc.record({
        link: fc.integer({ min: 0, max: nextLinks.length - 1 }),
        values: fc.array(fc.oneof(fc.constantFrom(...HOSTILE_DATES, ...NUMBERS), hostileString), {
          minLength: 1,
          maxLength: 4,
        }),
        direction: fc.constantFrom('n', 'p', 'x'),
        garbage: fc.oneof(
          { weight: 4, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: hostileString },
        ),
        caller: callerArb,
      });
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const { path, cursor } = nextLinks[c.link];
          // A signed cursor is `payload.signature`: keep the real signature on a tampered payload.
          const [payload, signature] = cursor.split('.');
          const real = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
            v: unknown[];
            q: string;
          };
          const forged =
            c.garbage ??
            `${Buffer.from(
              JSON.stringify({
                d: c.direction,
                v: real.v.map((_, i) => c.values[i % c.values.length]),
                q: real.q,
              }),
            ).toString('base64url')}.${signature}`;
          const req = { method: 'GET', path: `${path}&_cursor=${enc(forged)}`, caller: c.caller };
          await server.exchange(`forged cursor on ${path}`, req);
          return true;
        }),
        fcParams(CURSOR_RUNS),
      );
      failIfAny();
    },
    timeoutFor(CURSOR_RUNS, 100),
  );
});

/** Real `next` links of searches with one result per page, in several sort orders: the cursors to forge. */
async function realNextLinks(): Promise<Array<{ path: string; cursor: string }>> {
  const searches = [
    'Patient?_count=1',
    'Patient?_count=1&_sort=birthdate',
    'Patient?_count=1&_sort=-name,_id',
    'Condition?_count=1&_sort=-_lastUpdated',
    'EpisodeOfCare?_count=1&_sort=date',
    'Task?_count=1&_sort=-_id',
    'Observation?_count=1&_sort=date',
    'CarePlan?_count=1&_sort=identifier',
  ];
  const links: Array<{ path: string; cursor: string }> = [];
  for (const search of searches) {
    if (
      search.includes('_sort=') &&
      !searchParam(search.split('?')[0], search.split('_sort=')[1].split(',')[0].replace('-', ''))
    )
      continue;
    const res = await server.send({ method: 'GET', path: search });
    if (res?.status !== 200) continue;
    const next = (JSON.parse(res.text) as Bundle<Resource>).link?.find((l) => l.relation === 'next')?.url;
    const cursor = next && new URL(next).searchParams.get('_cursor');
    if (cursor) links.push({ path: search, cursor });
  }
  if (links.length === 0) throw new Error('no search gave a next link to forge a cursor from');
  return links;
}
