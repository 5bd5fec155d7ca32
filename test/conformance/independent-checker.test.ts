import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, CarePlan, Resource } from '@medplum/fhirtypes';
import type { Caller } from '../../src/kernel/caller';
import type { RequestContext } from '../../src/kernel/request-context';
import type { Database } from '../../src/store/database';
import type { Executor } from '../../src/fhir/interactions/execute';
import { DEMO_BUNDLE, loadDemoData } from '../../src/demo-data-loader';
import { importDocument } from '../../src/fhir/meso/import';
import { loadStoredGraph } from '../../src/fhir/meso/stored-graph';
import { createTestDatabase } from '../support/test-database';
import { engineFor, mesoCtx } from '../fhir/meso/support/import-support';
import {
  IndependentChecker,
  unexplained,
  type CheckerIssue,
  type ExpectedDifference,
} from '../support/independent-checker';

/**
 * "An independent nl-core checker runs on the output": @medplum/core's validator (not the service's own, see
 * test/support/independent-checker.ts) on what the service returns and stores: (a) every demo resource as a
 * search returns it, (b) every resource the MESO document import stores for the three examples, with its
 * Provenance, (c) the GP's one-search pull. Each resource against each profile in its meta.profile.
 *
 * Medplum differs from the service's validator (and from the HL7 one) on known points only: this table. Anything
 * else Medplum reports fails the test.
 */
const EXPECTED: ExpectedDifference[] = [
  {
    id: 'slice-by-binding',
    reason:
      'nl-core slices a CodeableConcept/coding list by value on $this where the slice has only a required ' +
      'binding (the zib codelist next to the FHIR code); the HL7 validator matches such a slice by value-set ' +
      'membership. Medplum has no terminology, so every coding matches the slice and it counts the FHIR base ' +
      'coding (verificationStatus) or the MESO problem domain (category) too. The service checks these slices ' +
      'against the local value sets (src/fhir/validation/slicing.ts).',
    message:
      /^Incorrect number of values provided for slice '(verificationStatusCodelist|problemType)': expected [01]\.\.1, but found 2$/,
    expression: /^Condition\.(verificationStatus\.coding|category)$/,
  },
];

const BASE = 'http://localhost:8080/fhir';
const SERVICE: RequestContext = { requestId: 'independent-checker', baseUrl: BASE };

/** The demo GP practice (examples/clients/gp.json), reading as its HIS does. */
const GP: RequestContext = {
  requestId: 'independent-checker-gp',
  baseUrl: BASE,
  caller: {
    clientId: 'demo-gp-de-brink',
    clientName: 'HIS van Huisartsenpraktijk De Brink (demo)',
    organization: { kind: 'gp', name: 'Huisartsenpraktijk De Brink', ura: '90000011', agb: '01051234' },
    scopes: [{ resourceType: '*', interactions: 'rs' }],
    pseudonymised: false,
  } satisfies Caller,
};

const NEXT_EVALUATION = 'https://meso-zorg.nl/fhir/StructureDefinition/meso-ext-next-evaluation-date';
const EXAMPLES = ['eenvoudig', 'escalatie-wilsverklaring', 'elv-episode'];
const example = (name: string): unknown =>
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../examples/meso', `${name}.json`), 'utf8'));

let db: Database;
let executor: Executor;
let checker: IndependentChecker;

beforeAll(async () => {
  db = await createTestDatabase();
  executor = (await engineFor(db)).executor;
  checker = await IndependentChecker.load();
  await loadDemoData(executor, BASE);
}, 180_000);
afterAll(() => db.close());

async function search(ctx: RequestContext, resourceType: string, query: Array<[string, string]>) {
  const res = await executor.execute(ctx, {
    method: 'GET',
    kind: 'search-type',
    resourceType,
    query,
    lenient: false,
  });
  expect(res.status).toBe(200);
  return res.body as Bundle;
}

const resourcesOf = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.resource as Resource);

/** Which expected differences actually occurred: one that never does is no longer needed. */
const seen = new Set<string>();

/** What the checker says that the table does not explain, one readable line each. */
function unexplainedFor(resources: Resource[]): string[] {
  expect(resources.length).toBeGreaterThan(0);
  const issues: CheckerIssue[] = resources.flatMap((r) => checker.check(r));
  for (const d of EXPECTED) if (issues.some((i) => d.message.test(i.message))) seen.add(d.id);
  return unexplained(issues, EXPECTED).map(
    (i) => `${i.resource} ${i.profile.split('/').pop()} ${i.severity} ${i.message} @ ${i.expression}`,
  );
}

it('loads every nl-core and meso profile into Medplum', () => {
  expect(Object.fromEntries(checker.unloadable)).toEqual({});
});

describe('(a) the demo data as the service returns it', () => {
  const demo = JSON.parse(fs.readFileSync(DEMO_BUNDLE, 'utf8')) as Bundle;
  const counts = new Map<string, number>();
  for (const e of demo.entry ?? []) {
    const type = (e.resource as Resource).resourceType;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }

  it.each([...counts])('%s (%i in the demo bundle)', async (type, count) => {
    const found = resourcesOf(await search(SERVICE, type, [['_count', '100']]));
    expect(found.length).toBeGreaterThanOrEqual(count);
    expect(unexplainedFor(found)).toEqual([]);
  });
});

describe('(b) what the MESO document import stores', () => {
  it.each(EXAMPLES)('%s: every resource of the graph and the Provenance', async (name) => {
    const result = await importDocument(executor.repository, mesoCtx(`checker-${name}`), example(name));
    const graph = await loadStoredGraph(executor.repository, result.documentId);
    const stored = [...(graph?.resources ?? []), ...(graph?.provenance ? [graph.provenance] : [])];
    expect(graph?.provenance).toBeDefined();
    expect(stored.length).toBeGreaterThan(5);
    expect(unexplainedFor(stored)).toEqual([]);
  });
});

describe('(c) the GP one-search pull', () => {
  it('the plan of 999911120 with everything it points to', async () => {
    const bundle = await search(GP, 'CarePlan', [
      ['patient.identifier', 'http://fhir.nl/fhir/NamingSystem/bsn|999911120'],
      ['status', 'active'],
      ['category', 'http://snomed.info/sct|135411000146103'],
      ...['subject', 'care-team', 'goal', 'condition', 'activity-reference'].map((p): [string, string] => [
        '_include',
        `CarePlan:${p}`,
      ]),
      ['_revinclude', 'CarePlan:part-of'],
      ...['CareTeam:participant', 'PractitionerRole:practitioner', 'PractitionerRole:organization'].map(
        (p): [string, string] => ['_include:iterate', p],
      ),
    ]);
    const found = resourcesOf(bundle).filter((r) => r.resourceType !== 'OperationOutcome');
    const types = new Set(found.map((r) => r.resourceType));
    for (const type of [
      'CarePlan',
      'Patient',
      'CareTeam',
      'PractitionerRole',
      'Practitioner',
      'Organization',
    ])
      expect(types).toContain(type);
    for (const type of ['Condition', 'Goal']) expect(types).toContain(type);
    expect(unexplainedFor(found)).toEqual([]);
  });
});

describe('the checker itself', () => {
  const read = async (type: string) => resourcesOf(await search(SERVICE, type, [['_count', '1']]))[0];

  it('finds what is wrong: a missing required element, an unknown element, a bad primitive', async () => {
    const plan = await read('CarePlan');
    const { subject: _subject, ...withoutSubject } = plan as Resource & { subject?: unknown };
    expect(unexplainedFor([withoutSubject as Resource]).join('\n')).toMatch(/CarePlan\.subject/);
    expect(unexplainedFor([{ ...plan, colour: 'blue' } as unknown as Resource]).join('\n')).toMatch(/colour/);
    const patient = await read('Patient');
    expect(unexplainedFor([{ ...patient, birthDate: '1950-13-01' } as Resource]).join('\n')).toMatch(
      /birthDate/,
    );
  });

  it('reaches into extensions', async () => {
    const plans = resourcesOf(await search(SERVICE, 'CarePlan', [['_count', '100']])) as CarePlan[];
    const plan = plans.find((p) => p.extension?.some((e) => e.url === NEXT_EVALUATION)) as CarePlan;
    const extension = (plan.extension ?? []).map((e) =>
      e.url === NEXT_EVALUATION ? { url: e.url, valueDate: '2026-13-45' } : e,
    );
    expect(unexplainedFor([{ ...plan, extension }]).join('\n')).toMatch(
      /Invalid date format @ CarePlan\.extension/,
    );
  });

  it('needs every expected difference in the table', () => {
    expect([...seen].sort()).toEqual(EXPECTED.map((d) => d.id).sort());
  });
});
