import Client from 'fhir-kit-client';
import type {
  Bundle,
  CapabilityStatement,
  CarePlan,
  Composition,
  OperationOutcomeIssue,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { newFromExample } from '../support/fixtures';
import { ResourceValidator } from '../../src/fhir/validation/validator';
import { BSN, DEMO_ID, byIdentifier, getBundle, refOf, refused } from './e2e-helpers';

/**
 * The GP EHR (HIS De Brink) files the zorgbehandelplan of Truus Bakker-Hoekstra (999911120) as a FHIR document:
 * CarePlan/{id}/$document. Demo data: examples/demo-data.json.
 */
let server: TestServer;
let gp: Client;
let admin: Client;
let plan: CarePlan;
let doc: Bundle;
let validator: ResourceValidator;

beforeAll(async () => {
  // Loaded first: it keeps this process (the server's too) busy for seconds, and a kept-alive connection that sat
  // idle through that may be closed by the server just as the client reuses it (ECONNRESET), as seen once in CI.
  validator = await ResourceValidator.load();
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [gp, admin] = await Promise.all([server.client('gp'), server.client('admin')]);
  plan = await byIdentifier<CarePlan>(gp, 'CarePlan', DEMO_ID, 'client-1-zorgbehandelplan');
  doc = await getBundle(gp, `CarePlan/${plan.id}/$document`);
});
afterAll(() => server.close());

const SECTIONS = [
  'Team',
  'Problemen',
  'Doelen en wensen',
  'Afspraken en acties',
  'Wilsverklaringen',
  'Evaluatie',
];
const composition = () => doc.entry?.[0].resource as Composition;
const section = (title: string) => composition().section?.find((s) => s.title === title);
const inSection = (title: string) =>
  (section(title)?.entry ?? []).map((ref) => {
    const entry = doc.entry?.find((e) => e.fullUrl === ref.reference);
    return entry?.resource as Resource;
  });

describe('CarePlan/{id}/$document for the GP', () => {
  it('is a document Bundle with the Composition first', () => {
    expect(doc.resourceType).toBe('Bundle');
    expect(doc.type).toBe('document');
    expect(doc.identifier).toEqual({
      system: 'urn:ietf:rfc:3986',
      value: expect.stringMatching(/^urn:uuid:/),
    });
    expect(doc.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    const c = composition();
    expect(c.resourceType).toBe('Composition');
    expect(c.status).toBe('final');
    expect(c.type.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '18776-5' });
    expect(c.title).toBe('Zorgbehandelplan');
    expect(c.subject?.reference).toBe(`${server.baseUrl}/${plan.subject?.reference}`);
    expect(c.author[0].reference).toBe(`${server.baseUrl}/${plan.author?.reference}`);
    expect(c.custodian?.reference).toMatch(/\/Organization\//);
  });

  it('has the six Dutch sections, each with a generated narrative', () => {
    expect(composition().section?.map((s) => s.title)).toEqual(SECTIONS);
    for (const s of composition().section ?? []) {
      expect(s.text?.status).toBe('generated');
      expect(s.text?.div).toMatch(/^<div xmlns="http:\/\/www.w3.org\/1999\/xhtml">/);
      expect(Boolean(s.entry?.length) !== Boolean(s.emptyReason)).toBe(true);
    }
  });

  it('every reference resolves to an entry with an absolute fullUrl, and every entry once', () => {
    const urls = (doc.entry ?? []).map((e) => e.fullUrl as string);
    expect(new Set(urls).size).toBe(urls.length);
    urls.slice(1).forEach((url) => expect(url.startsWith(`${server.baseUrl}/`)).toBe(true));
    const c = composition();
    const refs = [c.subject, ...c.author, c.custodian, ...(c.section ?? []).flatMap((s) => s.entry ?? [])];
    for (const ref of refs) expect(urls).toContain(ref?.reference);
  });

  it('holds the team, the problems, the goals, the sub-plans, the advance directive and the evaluation', () => {
    expect(inSection('Team').map(refOf)).toEqual(plan.careTeam?.map((r) => r.reference));
    expect(inSection('Problemen').map(refOf)).toEqual(plan.addresses?.map((r) => r.reference));
    expect(inSection('Doelen en wensen').map(refOf)).toEqual(plan.goal?.map((r) => r.reference));
    const actions = inSection('Afspraken en acties') as CarePlan[];
    expect(actions[0].id).toBe(plan.id);
    expect(actions.length).toBeGreaterThan(1);
    actions.slice(1).forEach((sub) => expect(sub.partOf?.[0].reference).toBe(`CarePlan/${plan.id}`));
    expect(inSection('Wilsverklaringen').map((r) => r.resourceType)).toEqual(['Consent']);
    expect(section('Wilsverklaringen')?.text?.div).toContain('Niet reanimeren');
    expect(section('Evaluatie')?.text?.div).toContain('14 december 2026');
  });

  it('passes the R4 base validation, the Composition with the Bundle to resolve in', async () => {
    // Bundle and Composition are not served as resources, so their $validate is not routed: the validator itself.
    const errors = (issues: OperationOutcomeIssue[]) => issues.filter((i) => i.severity === 'error');
    expect(errors(validator.validate(doc))).toEqual([]);
    expect(errors(validator.validate(composition(), { bundle: doc }))).toEqual([]);
  });

  it('is listed in the CapabilityStatement with its project OperationDefinition', async () => {
    const cs = (await gp.capabilityStatement()) as unknown as CapabilityStatement;
    const carePlan = cs.rest?.[0].resource?.find((r) => r.type === 'CarePlan');
    expect(carePlan?.operation).toContainEqual({
      name: 'document',
      definition: 'https://meso-zorg.nl/fhir/OperationDefinition/CarePlan-document',
    });
  });
});

describe('CarePlan/{id}/$document is refused as a read of the plan would be', () => {
  it('a plan of a patient of another practice is 403, as its read', async () => {
    const stranger = newFromExample<Patient>('nl-core-Patient-01');
    stranger.identifier = [{ system: BSN, value: '999900079' }];
    const patient = (await admin.create({
      resourceType: 'Patient',
      body: stranger as never,
    })) as unknown as Patient;
    const { id: _id, meta: _meta, text: _text, goal: _g, addresses: _a, extension: _e, ...rest } = plan;
    const body = { ...rest, identifier: undefined, subject: { reference: `Patient/${patient.id}` } };
    const other = (await admin.create({
      resourceType: 'CarePlan',
      body: body as never,
    })) as unknown as CarePlan;
    const read = await refused(gp.read({ resourceType: 'CarePlan', id: other.id as string }));
    const error = await refused(getBundle(gp, `CarePlan/${other.id}/$document`));
    expect(error.status).toBe(read.status);
    expect(error.status).toBe(403);
    expectOutcome(error.data, 'forbidden');
  });

  it('the regional platform (pseudonymised) is refused with a 403 that says why', async () => {
    const platform = await server.client('platform');
    const error = await refused(getBundle(platform, `CarePlan/${plan.id}/$document`));
    expect(error.status).toBe(403);
    expectOutcome(error.data, 'forbidden');
    expect(JSON.stringify(error.data)).toContain('not available to pseudonymised clients');
  });

  it('an unknown CarePlan is 404', async () => {
    const error = await refused(getBundle(gp, 'CarePlan/no-such-plan/$document'));
    expect(error.status).toBe(404);
    expectOutcome(error.data, 'not-found');
  });
});
