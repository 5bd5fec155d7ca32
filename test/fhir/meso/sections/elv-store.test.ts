import type {
  Bundle,
  Encounter,
  EpisodeOfCare,
  Organization,
  Patient,
  ServiceRequest,
} from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { elvSection } from '../../../../src/fhir/meso/sections/elv';
import { startTestServer, type TestServer } from '../../../support/test-server';
import { BSN, URA, byIdentifier } from '../../../e2e/e2e-helpers';
import { example } from '../../../meso-document/examples';

/**
 * The ELV stay is an Encounter, so the service must store and serve Encounters: the MESO team writes the
 * stay of its client, it is in the patient's compartment (search by patient, $everything) and the client's GP
 * reads it like the rest of the plan. Against the real database, on the demo data (client 1: zorgtraject of
 * the MESO team, an ELV request to Zorggroep Het Drentse Erf).
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
}, 120_000);
afterAll(() => server.close());

async function call(role: 'meso-team' | 'gp' | 'platform', method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.baseUrl}/${path}`, {
    method,
    headers: { Authorization: await server.authHeader(role), 'Content-Type': 'application/fhir+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

const DEMO_ID = 'https://meso-zorg.nl/fhir/NamingSystem/demo-id';

it('the MESO team stores an ELV stay; it is found by patient, in $everything, and read by the GP', async () => {
  const meso = await server.client('meso-team');
  const patient = await byIdentifier<Patient>(meso, 'Patient', BSN, '999911120');
  const episode = await byIdentifier<EpisodeOfCare>(meso, 'EpisodeOfCare', DEMO_ID, 'client-1-zorgtraject');
  const request = await byIdentifier<ServiceRequest>(
    meso,
    'ServiceRequest',
    DEMO_ID,
    'client-1-elv-aanvraag-servicerequest',
  );
  const vvt = await byIdentifier<Organization>(meso, 'Organization', URA, '90000033');

  const doc = example('elv-episode') as unknown as MesoCarePlanDocument;
  const planned = elvSection.toFhir(doc)[0].resource as Encounter;
  // The import's job, done by hand here: placeholders become the stored resources' ids.
  const ids: Record<string, string> = {
    [placeholder(KEY.patient)]: `Patient/${patient.id}`,
    [placeholder(KEY.trajectory)]: `EpisodeOfCare/${episode.id}`,
    [placeholder(KEY.escalationRequest('elv-aanvraag-1'))]: `ServiceRequest/${request.id}`,
    [placeholder('Organization/ura/90000033')]: `Organization/${vvt.id}`,
  };
  const stay = JSON.parse(JSON.stringify(planned), (_k, v: unknown) =>
    typeof v === 'string' && ids[v] ? ids[v] : v,
  ) as Encounter;
  expect(JSON.stringify(stay)).not.toContain('urn:uuid');

  const created = await call('meso-team', 'POST', 'Encounter', stay);
  expect(created.status).toBe(201);
  const id = (created.body as Encounter).id;

  const found = (await call('meso-team', 'GET', `Encounter?patient=${patient.id}&status=in-progress`))
    .body as Bundle;
  expect(found.entry?.map((e) => e.resource?.id)).toEqual([id]);
  const everything = (await call('meso-team', 'GET', `Patient/${patient.id}/$everything?_type=Encounter`))
    .body as Bundle;
  expect(everything.entry?.map((e) => e.resource?.id)).toContain(id);
  const byGp = await call('gp', 'GET', `Encounter/${id}`);
  expect(byGp.status).toBe(200);
  expect((byGp.body as Encounter).serviceType?.coding?.[0].code).toBe('elv-hoog-complex');
});
