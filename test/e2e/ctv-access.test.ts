import type Client from 'fhir-kit-client';
import type { Bundle, Organization, Patient, ServiceRequest, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../support/test-server';
import {
  BSN,
  URA,
  ORG_URA,
  byDemoId,
  byIdentifier,
  idsOf,
  refOf,
  refused,
  resourcesOf,
  allPages,
} from './e2e-helpers';
import { orgRef, postReferral, type PostedReferral } from './referral-helpers';

/**
 * Need to know (AVG) for the Coördinatiepunt ELV, through HTTP with the demo client 'ctv': of its patient's
 * referrals it sees those it takes part in (Tasks naming it, their focus ServiceRequests, ServiceRequests naming
 * it), not the aanmelding to the MESO team nor an escalation to the behandelnetwerk; in search, includes,
 * $everything, paging and totals, and on read. Demo client 1 (Truus) has an ELV Task owned by the CTV.
 */
let server: TestServer;
let admin: Client;
let ctv: Client;
let truus: Patient;
let ctvOrg: Organization;
let elvTask: Task;
let elvRequest: ServiceRequest;
let aanmeldingTask: Task;
let aanmeldingRequest: ServiceRequest;
let escalation: PostedReferral;
// A second ELV request whose ServiceRequest names no performer: the CTV sees it as its Task's focus only.
let focusOnly: PostedReferral;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  admin = await server.client('admin');
  ctv = await server.client('ctv');
  const meso = await server.client('meso-team');
  truus = await byIdentifier<Patient>(admin, 'Patient', BSN, '999911120');
  ctvOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA.ctv);
  const mesoOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA['meso-team']);
  const bnOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA.behandelnetwerk);
  elvTask = await byDemoId<Task>(admin, 'Task', 'client-1-elv-aanvraag-task');
  elvRequest = await byDemoId<ServiceRequest>(
    admin,
    'ServiceRequest',
    'client-1-elv-aanvraag-servicerequest',
  );
  aanmeldingTask = await byDemoId<Task>(admin, 'Task', 'client-1-aanmelding-task');
  aanmeldingRequest = await byDemoId<ServiceRequest>(
    admin,
    'ServiceRequest',
    'client-1-aanmelding-servicerequest',
  );
  const team = orgRef(mesoOrg.id as string, ORG_URA['meso-team']);
  escalation = await postReferral(meso, admin, {
    bsn: '999911120',
    number: 'ctv-esc-1',
    requester: team,
    owner: orgRef(bnOrg.id as string, ORG_URA.behandelnetwerk),
    kind: 'escalatie-advies',
  });
  focusOnly = await postReferral(meso, admin, {
    bsn: '999911120',
    number: 'ctv-elv-2',
    requester: team,
    owner: orgRef(ctvOrg.id as string, ORG_URA.ctv),
    kind: 'elv-aanvraag',
  });
  const { performer: _performer, ...withoutPerformer } = focusOnly.serviceRequest;
  focusOnly.serviceRequest = (await admin.update({
    resourceType: 'ServiceRequest',
    id: focusOnly.serviceRequest.id as string,
    body: withoutPerformer as never,
  })) as unknown as ServiceRequest;
}, 120_000);
afterAll(() => server?.close());

const search = async (client: Client, resourceType: string, searchParams: Record<string, string>) =>
  (await client.search({ resourceType, searchParams })) as unknown as Bundle;

describe('the CTV sees only the referrals it takes part in', () => {
  it('searches Task and ServiceRequest by patient: its ELV requests only, the admin sees all', async () => {
    const patient = refOf(truus);
    const tasks = await search(ctv, 'Task', { patient, _total: 'accurate' });
    expect(idsOf(resourcesOf(tasks, 'Task'))).toEqual(idsOf([elvTask, focusOnly.task]));
    expect(tasks.total).toBe(2);
    const requests = await search(ctv, 'ServiceRequest', { patient, _total: 'accurate' });
    expect(idsOf(resourcesOf(requests, 'ServiceRequest'))).toEqual(
      idsOf([elvRequest, focusOnly.serviceRequest]),
    );
    expect(requests.total).toBe(2);
    const all = await search(admin, 'Task', { patient });
    expect(idsOf(resourcesOf(all, 'Task'))).toEqual(
      expect.arrayContaining(idsOf([aanmeldingTask, escalation.task, elvTask, focusOnly.task])),
    );
  });

  it('pages by one: two pages, the same two Tasks, totals agree', async () => {
    const first = await search(ctv, 'Task', { patient: refOf(truus), _count: '1', _total: 'accurate' });
    const pages = await allPages(ctv, first);
    expect(pages).toHaveLength(2);
    expect(pages.map((p) => p.total)).toEqual([2, 2]);
    expect(idsOf(pages.flatMap((p) => resourcesOf(p, 'Task')))).toEqual(idsOf([elvTask, focusOnly.task]));
  });

  it('Task?owner=<ctv>&_include=Task:focus includes the focus ServiceRequests, also one naming no performer', async () => {
    const bundle = await search(ctv, 'Task', {
      owner: refOf(ctvOrg),
      _include: 'Task:focus',
      patient: refOf(truus),
    });
    expect(idsOf(resourcesOf(bundle, 'Task', 'match'))).toEqual(idsOf([elvTask, focusOnly.task]));
    expect(idsOf(resourcesOf(bundle, 'ServiceRequest', 'include'))).toEqual(
      idsOf([elvRequest, focusOnly.serviceRequest]),
    );
  });

  it('_revinclude of the patient brings its own Tasks only', async () => {
    const bundle = await search(ctv, 'Patient', { _id: truus.id as string, _revinclude: 'Task:patient' });
    expect(idsOf(resourcesOf(bundle, 'Task', 'include'))).toEqual(idsOf([elvTask, focusOnly.task]));
  });

  it('Patient/$everything holds its own referrals and the clinical context, not the others', async () => {
    const bundle = (await ctv.operation({
      resourceType: 'Patient',
      id: truus.id as string,
      name: 'everything',
      method: 'GET',
    })) as unknown as Bundle;
    const pages = await allPages(ctv, bundle);
    const found = pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource));
    const ofType = (type: string) => idsOf(found.filter((r) => r?.resourceType === type) as never);
    // Task is not in the R4 Patient compartment ($everything leaves it out); the ServiceRequests are.
    expect(ofType('Task')).toEqual([]);
    expect(ofType('ServiceRequest')).toEqual(idsOf([elvRequest, focusOnly.serviceRequest]));
    expect(ofType('Patient')).toEqual([truus.id]);
    expect(ofType('Condition').length).toBeGreaterThan(0);
  });

  it('reads, vreads and histories of the aanmelding and the escalation are refused as for any invisible resource', async () => {
    for (const resource of [aanmeldingTask, aanmeldingRequest, escalation.task, escalation.serviceRequest]) {
      const type = resource.resourceType;
      const id = resource.id as string;
      expect((await refused(ctv.read({ resourceType: type, id }))).status).toBe(403);
      const vread = ctv.vread({ resourceType: type, id, version: resource.meta?.versionId as string });
      expect((await refused(vread)).status).toBe(403);
      const history = (await ctv.history({ resourceType: type, id })) as unknown as Bundle;
      expect(history.entry ?? []).toHaveLength(0);
    }
    const own = (await ctv.history({ resourceType: 'Task', id: elvTask.id as string })) as unknown as Bundle;
    expect(own.entry?.length).toBeGreaterThan(0);
    const focus = (await ctv.read({
      resourceType: 'ServiceRequest',
      id: focusOnly.serviceRequest.id as string,
    })) as unknown as ServiceRequest;
    expect(focus.performer).toBeUndefined();
  });

  it('the behandelnetwerk, which joins the care team, sees all of the patient’s referrals', async () => {
    const bn = await server.client('behandelnetwerk');
    const tasks = await search(bn, 'Task', { patient: refOf(truus) });
    expect(idsOf(resourcesOf(tasks, 'Task'))).toEqual(
      expect.arrayContaining(idsOf([aanmeldingTask, escalation.task, elvTask])),
    );
  });
});
