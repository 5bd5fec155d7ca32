import Client from 'fhir-kit-client';
import type {
  AuditEvent,
  Bundle,
  CarePlan,
  Condition,
  Consent,
  EpisodeOfCare,
  Organization,
  Patient,
  PractitionerRole,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import {
  startTestServer,
  type TestServer,
  expectOutcome,
  requestToken,
  type Role,
} from '../support/test-server';
import { newFromExample } from '../support/fixtures';
import {
  BSN,
  asSeenBy,
  CLIENT_ID,
  DEMO_ID,
  ORG_URA,
  URA,
  byDemoId,
  byIdentifier,
  entries,
  refOf,
  refused,
  resourcesOf,
  tick,
} from './e2e-helpers';

/**
 * The access policy of issue 5, through HTTP with real tokens. Demo data: the three demo clients are patients of
 * GP practice De Brink (generalPractitioner), in care teams with the VVT's wijkverpleegkundige, and in episodes the
 * MESO team manages. The test adds a patient of another practice ("stranger"), who is nobody's patient here, and
 * an "outsider" with an episode of the MESO team and a Task the GP requested, to test leaks through references.
 */
let server: TestServer;
let clients: Record<Role, Client>;
let truus: Patient; // demo client 1, 999911120
let henk: Patient; // demo client 2, 999901199
let stranger: Patient;
let strangerProblem: Condition;
let outsider: Patient;
let outsiderEpisode: EpisodeOfCare;
let outsiderTask: Task;
let vvtOrg: Organization;
let mesoOrg: Organization;

const ROLES: Role[] = ['admin', 'gp', 'vvt', 'meso-team', 'behandelnetwerk', 'ctv', 'platform'];

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  const list = await Promise.all(ROLES.map((r) => server.client(r)));
  clients = Object.fromEntries(ROLES.map((r, i) => [r, list[i]])) as Record<Role, Client>;
  const admin = clients.admin;
  truus = await byIdentifier<Patient>(admin, 'Patient', BSN, '999911120');
  henk = await byIdentifier<Patient>(admin, 'Patient', BSN, '999901199');
  vvtOrg = await byIdentifier<Organization>(admin, 'Organization', URA, '90000033');
  mesoOrg = await byIdentifier<Organization>(admin, 'Organization', URA, '90000022');

  // A patient of another practice.
  const elsewhere = newFromExample<Organization>('nl-core-HealthcareProvider-Organization-01');
  delete elsewhere.text;
  elsewhere.identifier = [{ system: URA, value: '90000099' }];
  elsewhere.name = 'Huisartsenpraktijk Elders';
  const otherPractice = (await admin.create({
    resourceType: 'Organization',
    body: elsewhere as never,
  })) as unknown as Organization;
  const p = newFromExample<Patient>('nl-core-Patient-01');
  p.identifier = [{ system: BSN, value: '999900109' }];
  p.generalPractitioner = [{ reference: refOf(otherPractice), type: 'Organization' }];
  stranger = (await admin.create({ resourceType: 'Patient', body: p as never })) as unknown as Patient;
  const problem = newFromExample<Condition>('nl-core-Problem-01');
  problem.subject = { reference: refOf(stranger), type: 'Patient' };
  strangerProblem = (await admin.create({
    resourceType: 'Condition',
    body: problem as never,
  })) as unknown as Condition;

  // The outsider: an episode managed by the MESO team and a referral Task the GP requested, but not the GP's patient.
  const o = newFromExample<Patient>('nl-core-Patient-01');
  o.identifier = [{ system: BSN, value: '999900110' }];
  outsider = (await admin.create({ resourceType: 'Patient', body: o as never })) as unknown as Patient;
  const template = await byDemoId<EpisodeOfCare>(admin, 'EpisodeOfCare', 'client-3-zorgtraject');
  const { id: _id, meta: _meta, text: _text, ...episode } = template;
  outsiderEpisode = (await admin.create({
    resourceType: 'EpisodeOfCare',
    body: {
      ...episode,
      identifier: [{ system: DEMO_ID, value: 'outsider-zorgtraject' }],
      patient: { reference: refOf(outsider), type: 'Patient' },
      diagnosis: undefined,
      team: undefined,
      referralRequest: undefined,
    } as never,
  })) as unknown as EpisodeOfCare;
  const huisarts = await byDemoId<PractitionerRole>(admin, 'PractitionerRole', 'huisarts-role');
  const demoTask = await byDemoId<Task>(admin, 'Task', 'client-3-aanmelding-task');
  const { id: _tid, meta: _tmeta, text: _ttext, ...task } = demoTask;
  // A referral is about the patient of its ServiceRequest (src/fhir/referral/referral-integrity.ts).
  const demoRequest = (await admin.read({
    resourceType: 'ServiceRequest',
    id: (task.focus?.reference as string).split('/')[1],
  })) as unknown as ServiceRequest;
  const { id: _sid, meta: _smeta, text: _stext, ...request } = demoRequest;
  const outsiderRequest = (await admin.create({
    resourceType: 'ServiceRequest',
    body: {
      ...request,
      identifier: [{ system: DEMO_ID, value: 'outsider-servicerequest' }],
      subject: { reference: refOf(outsider), type: 'Patient' },
      reasonReference: undefined,
      supportingInfo: undefined,
    } as never,
  })) as unknown as ServiceRequest;
  outsiderTask = (await admin.create({
    resourceType: 'Task',
    body: {
      ...task,
      identifier: [{ system: DEMO_ID, value: 'outsider-task' }],
      status: 'requested',
      statusReason: undefined,
      basedOn: undefined,
      for: { reference: refOf(outsider), type: 'Patient' },
      focus: { reference: refOf(outsiderRequest), type: 'ServiceRequest' },
      requester: { ...demoTask.requester, reference: refOf(huisarts) },
      owner: {
        reference: refOf(mesoOrg),
        type: 'Organization',
        identifier: { system: URA, value: '90000022' },
      },
    } as never,
  })) as unknown as Task;
});
afterAll(() => server.close());

const total = async (role: Role, resourceType: string, searchParams: Record<string, string> = {}) =>
  (
    (await clients[role].search({
      resourceType,
      searchParams: { ...searchParams, _summary: 'count' },
    })) as unknown as Bundle
  ).total as number;

describe('authentication', () => {
  it('no token: 401 with WWW-Authenticate and an OperationOutcome', async () => {
    const res = await fetch(`${server.baseUrl}/Patient/${truus.id}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectOutcome(await res.json(), 'login');
  });

  it('a bad or tampered token: 401', async () => {
    const garbage = await fetch(`${server.baseUrl}/Patient`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const real = (await server.authHeader('gp')).slice('Bearer '.length);
    const [header, payload, signature] = real.split('.');
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    forged.scope = 'system/*.cruds';
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    const res = await fetch(`${server.baseUrl}/Patient`, {
      headers: { authorization: `Bearer ${tampered}` },
    });
    expect(res.status).toBe(401);
  });

  it('metadata needs no token', async () => {
    const res = await fetch(`${server.baseUrl}/metadata`);
    expect(res.status).toBe(200);
  });

  it('a token without the scope for the type: 403 with an OperationOutcome', async () => {
    const token = await requestToken(server.service.url, 'gp', 'system/Patient.rs');
    const narrow = new Client({
      baseUrl: server.baseUrl,
      customHeaders: { Authorization: `Bearer ${token}` },
    });
    const patient = (await narrow.read({
      resourceType: 'Patient',
      id: truus.id as string,
    })) as unknown as Patient;
    expect(patient.id).toBe(truus.id);
    const res = await refused(narrow.search({ resourceType: 'Condition', searchParams: {} }));
    expect(res.status).toBe(403);
    expectOutcome(res.data, 'forbidden', /scope/);
    // The GP's full scopes do not include writing a CarePlan either.
    const plan = await byDemoId<CarePlan>(clients.gp, 'CarePlan', 'client-1-zorgbehandelplan');
    const write = await refused(
      clients.gp.update({ resourceType: 'CarePlan', id: plan.id as string, body: plan as never }),
    );
    expect(write.status).toBe(403);
    expectOutcome(write.data, 'forbidden');
  });
});

describe('reads per role: own versus another organisation’s patient', () => {
  it.each<[Role, boolean]>([
    ['admin', true],
    ['gp', true],
    ['vvt', true],
    ['meso-team', true],
    // No escalation of Truus is addressed to the behandelnetwerk; her ELV request is addressed to the CTV.
    ['behandelnetwerk', false],
    ['ctv', true],
    ['platform', true],
  ])('%s reads a demo patient: %s', async (role, allowed) => {
    // The platform is not identifiable: it knows the patient by a pseudonymous id (issue 8 §8).
    const id = asSeenBy(role, 'Patient', truus.id as string);
    const read = clients[role].read({ resourceType: 'Patient', id });
    if (allowed) expect(((await read) as unknown as Patient).id).toBe(id);
    else expect((await refused(read)).status).toBe(403);
  });

  it.each<[Role, boolean]>([
    ['admin', true],
    ['gp', false],
    ['vvt', false],
    ['meso-team', false],
    ['behandelnetwerk', false],
    ['ctv', false],
    ['platform', false],
  ])('%s reads the patient of another practice and its problem: %s', async (role, allowed) => {
    for (const [type, resource] of [
      ['Patient', stranger],
      ['Condition', strangerProblem],
    ] as const) {
      const read = clients[role].read({
        resourceType: type,
        id: asSeenBy(role, type, resource.id as string),
      });
      if (allowed) expect(((await read) as unknown as Patient).id).toBe(resource.id);
      else {
        const res = await refused(read);
        expect(res.status).toBe(403);
        expectOutcome(res.data, 'forbidden');
      }
    }
  });

  it('the CTV sees of the ELV request what triage needs, and nothing of patients without a Task owned by it', async () => {
    const elv = await byDemoId<Task>(clients.ctv, 'Task', 'client-1-elv-aanvraag-task');
    expect(elv.owner?.identifier?.value).toBe(ORG_URA.ctv);
    expect(await total('ctv', 'Patient')).toBe(1);
    // Of her referrals only the ELV request (need to know): not her aanmelding for the MESO team.
    expect(await total('ctv', 'Task')).toBe(1);
    expect(await total('ctv', 'ServiceRequest')).toBe(1);
    expect(await total('admin', 'Task', { patient: refOf(truus) })).toBeGreaterThan(1);
    expect(await total('ctv', 'Condition')).toBe(
      await total('admin', 'Condition', { subject: refOf(truus) }),
    );
    expect(await total('ctv', 'Observation')).toBe(
      await total('admin', 'Observation', { subject: refOf(truus) }),
    );
    expect(await total('ctv', 'Condition', { subject: refOf(henk) })).toBe(0);
    expect((await refused(clients.ctv.read({ resourceType: 'Patient', id: henk.id as string }))).status).toBe(
      403,
    );
    // Plans, goals, relatives and directives are not needed to place a short stay.
    for (const type of ['CarePlan', 'Goal', 'RelatedPerson', 'Consent']) {
      const search = await refused(clients.ctv.search({ resourceType: type, searchParams: {} }));
      expect(search.status).toBe(403);
      expectOutcome(search.data, 'forbidden', /"ctv" have no access/);
    }
    // The behandelnetwerk has no demo patient yet: it sees no one.
    expect(await total('behandelnetwerk', 'Patient')).toBe(0);
    expect(await total('behandelnetwerk', 'Task')).toBe(0);
  });

  it('the platform does not see care plans or problems, even of patients with an episode', async () => {
    const plan = await byDemoId<CarePlan>(clients.admin, 'CarePlan', 'client-1-zorgbehandelplan');
    const res = await refused(clients.platform.read({ resourceType: 'CarePlan', id: plan.id as string }));
    expect(res.status).toBe(403);
    expectOutcome(res.data, 'forbidden');
    // A type the platform may never see is refused outright, not answered with an empty (or partial) result.
    for (const type of ['CarePlan', 'Condition']) {
      const search = await refused(clients.platform.search({ resourceType: type, searchParams: {} }));
      expect(search.status).toBe(403);
      expectOutcome(search.data, 'forbidden');
    }
  });
});

describe('search never reveals resources or totals outside the caller’s scope', () => {
  it('totals differ between admin and the GP by exactly the patients that are not the GP’s', async () => {
    expect(await total('admin', 'Patient')).toBe(5);
    expect(await total('gp', 'Patient')).toBe(4); // its own 3, and the outsider it referred (the Patient only)
    expect(await total('vvt', 'Patient')).toBe(2); // client 3's care team is inactive
    expect(await total('meso-team', 'Patient')).toBe(4); // the demo clients and the outsider (episode, task)
    const adminConditions = await total('admin', 'Condition');
    expect(await total('gp', 'Condition')).toBe(adminConditions - 1);
    expect(await total('gp', 'Condition', { subject: refOf(stranger) })).toBe(0);
    expect(await total('gp', 'Patient', { identifier: `${BSN}|999900109` })).toBe(0);

    const accurate = (await clients.gp.search({
      resourceType: 'Patient',
      searchParams: { _total: 'accurate', _count: '1' },
    })) as unknown as Bundle;
    expect(accurate.total).toBe(4);
    const ids = resourcesOf(
      (await clients.gp.search({
        resourceType: 'Patient',
        searchParams: { _count: '100' },
      })) as unknown as Bundle,
      'Patient',
    ).map((r) => r.id);
    expect(ids).not.toContain(stranger.id);
    expect(ids).toContain(outsider.id);
  });

  it('_include gives the referring GP the Patient it referred, nothing more of the record', async () => {
    // The GP sees its own referral Task (requester), and of the patient it is about only the Patient (issue 11).
    const bundle = (await clients.gp.search({
      resourceType: 'Task',
      searchParams: { identifier: `${DEMO_ID}|outsider-task`, _include: ['Task:patient', 'Task:owner'] },
    })) as unknown as Bundle;
    expect(resourcesOf(bundle, 'Task', 'match').map((t) => t.id)).toEqual([outsiderTask.id]);
    expect(resourcesOf(bundle, 'Patient').map((p) => p.id)).toEqual([outsider.id]);
    expect(resourcesOf(bundle, 'Organization', 'include').map((o) => o.id)).toEqual([mesoOrg.id]);
  });

  it('_revinclude does not leak resources of patients the caller may not see', async () => {
    const bundle = (await clients.gp.search({
      resourceType: 'Organization',
      searchParams: { identifier: `${URA}|90000022`, _revinclude: 'EpisodeOfCare:organization' },
    })) as unknown as Bundle;
    const episodes = resourcesOf(bundle, 'EpisodeOfCare', 'include').map((e) => e.id);
    expect(episodes).toHaveLength(3);
    expect(episodes).not.toContain(outsiderEpisode.id);
    // The MESO team manages the outsider's episode and does see it.
    const meso = (await clients['meso-team'].search({
      resourceType: 'Organization',
      searchParams: { identifier: `${URA}|90000022`, _revinclude: 'EpisodeOfCare:organization' },
    })) as unknown as Bundle;
    expect(resourcesOf(meso, 'EpisodeOfCare', 'include').map((e) => e.id)).toContain(outsiderEpisode.id);

    // _revinclude from a visible patient to a hidden type gives nothing for the platform.
    const platform = (await clients.platform.search({
      resourceType: 'Patient',
      searchParams: {
        _id: asSeenBy('platform', 'Patient', truus.id as string),
        _revinclude: ['CarePlan:subject', 'Condition:subject', 'EpisodeOfCare:patient'],
      },
    })) as unknown as Bundle;
    const types = new Set(resourcesOf(platform, undefined, 'include').map((r) => r.resourceType));
    expect(types.has('CarePlan')).toBe(false);
    expect(types.has('Condition')).toBe(false);
    expect(types.has('EpisodeOfCare')).toBe(true);
  });

  it('a chain through a hidden patient does not reveal it', async () => {
    expect(await total('gp', 'Condition', { 'patient.identifier': `${BSN}|999900109` })).toBe(0);
    expect(await total('admin', 'Condition', { 'patient.identifier': `${BSN}|999900109` })).toBe(1);
  });
});

describe('a patient objection (Consent deny) blocks the VVT', () => {
  let objection: Consent;

  const objectionFor = (patient: Patient): Consent => ({
    resourceType: 'Consent',
    status: 'active',
    scope: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/consentscope',
          code: 'patient-privacy',
          display: 'Privacy Consent',
        },
      ],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: refOf(patient), type: 'Patient' },
    dateTime: '2026-11-01',
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision: {
      type: 'deny',
      actor: [
        {
          role: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }],
          },
          reference: { reference: refOf(vvtOrg), type: 'Organization', display: 'Zorggroep Het Drentse Erf' },
        },
      ],
    },
  });

  it('before: the VVT sees Henk and his plan', async () => {
    const read = (await clients.vvt.read({
      resourceType: 'Patient',
      id: henk.id as string,
    })) as unknown as Patient;
    expect(read.id).toBe(henk.id);
    expect(await total('vvt', 'CarePlan', { subject: refOf(henk) })).toBeGreaterThan(0);
  });

  it('the GP records the objection; the VVT is then refused, the GP is not', async () => {
    objection = (await clients.gp.create({
      resourceType: 'Consent',
      body: objectionFor(henk) as never,
    })) as unknown as Consent;
    expect(objection.id).toBeDefined();

    const read = await refused(clients.vvt.read({ resourceType: 'Patient', id: henk.id as string }));
    expect(read.status).toBe(403);
    expectOutcome(read.data, 'forbidden');
    expect(await total('vvt', 'CarePlan', { subject: refOf(henk) })).toBe(0);
    expect(await total('vvt', 'Condition', { subject: refOf(henk) })).toBe(0);
    expect(await total('vvt', 'Patient')).toBe(1);
    const byBsn = (await clients.vvt.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|999901199` },
    })) as unknown as Bundle;
    expect(entries(byBsn)).toHaveLength(0);

    // The objection is only against the VVT.
    expect(
      ((await clients.gp.read({ resourceType: 'Patient', id: henk.id as string })) as unknown as Patient).id,
    ).toBe(henk.id);
    expect(await total('gp', 'CarePlan', { subject: refOf(henk) })).toBeGreaterThan(0);
  });

  it('the VVT cannot withdraw it', async () => {
    const res = await refused(clients.vvt.delete({ resourceType: 'Consent', id: objection.id as string }));
    expect(res.status).toBe(403);
  });

  it('withdrawing it restores access', async () => {
    await clients.gp.update({
      resourceType: 'Consent',
      id: objection.id as string,
      body: { ...objection, status: 'inactive' } as never,
    });
    const read = (await clients.vvt.read({
      resourceType: 'Patient',
      id: henk.id as string,
    })) as unknown as Patient;
    expect(read.id).toBe(henk.id);
  });
});

describe('AuditEvent', () => {
  it('only admin can search it', async () => {
    const admin = (await clients.admin.search({
      resourceType: 'AuditEvent',
      searchParams: { _count: '1' },
    })) as unknown as Bundle;
    expect(admin.type).toBe('searchset');
    expect(resourcesOf(admin, 'AuditEvent')).toHaveLength(1);
    for (const role of ['gp', 'vvt', 'meso-team', 'behandelnetwerk', 'ctv', 'platform'] as const) {
      const res = await refused(clients[role].search({ resourceType: 'AuditEvent', searchParams: {} }));
      expect(res.status).toBe(403);
      expectOutcome(res.data, 'forbidden');
    }
  });

  it('nobody can create, update or delete it', async () => {
    const admin = (await clients.admin.search({
      resourceType: 'AuditEvent',
      searchParams: { _count: '1' },
    })) as unknown as Bundle;
    const event = resourcesOf<AuditEvent>(admin, 'AuditEvent')[0];
    for (const role of ['admin', 'meso-team'] as const) {
      const client = clients[role];
      const { id: _id, meta: _meta, ...body } = event;
      const created = await refused(client.create({ resourceType: 'AuditEvent', body: body as never }));
      expect([403, 405]).toContain(created.status);
      const updated = await refused(
        client.update({
          resourceType: 'AuditEvent',
          id: event.id as string,
          body: { ...event, outcome: '0' } as never,
        }),
      );
      expect([403, 405]).toContain(updated.status);
      const deleted = await refused(client.delete({ resourceType: 'AuditEvent', id: event.id as string }));
      expect([403, 405]).toContain(deleted.status);
    }
    const still = (await clients.admin.read({
      resourceType: 'AuditEvent',
      id: event.id as string,
    })) as unknown as AuditEvent;
    expect(still).toEqual(event);
  });

  it('a GP read is logged with the client and the organisation as agents and the patient as entity', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await tick();
    await clients.gp.read({ resourceType: 'Patient', id: truus.id as string });
    const bundle = (await clients.admin.search({
      resourceType: 'AuditEvent',
      searchParams: { entity: refOf(truus), date: `ge${before}`, _count: '100' },
    })) as unknown as Bundle;
    const events = resourcesOf<AuditEvent>(bundle, 'AuditEvent', 'match');
    const read = events.find(
      (e) =>
        e.subtype?.some((s) => s.code === 'read') &&
        e.agent?.some(
          (a) => a.who?.identifier?.system === CLIENT_ID && a.who.identifier.value === 'demo-gp-de-brink',
        ),
    );
    expect(read).toBeDefined();
    expect(read?.action).toBe('R');
    expect(read?.outcome).toBe('0');
    expect(read?.agent).toContainEqual(
      expect.objectContaining({
        who: expect.objectContaining({ identifier: { system: URA, value: '90000011' } }),
      }),
    );
    expect(
      read?.entity?.some(
        (e) => e.what?.reference === refOf(truus) && e.what.identifier?.value === '999911120',
      ),
    ).toBe(true);

    // The same event found through the agent and date parameters.
    const byPatient = (await clients.admin.search({
      resourceType: 'AuditEvent',
      searchParams: { patient: refOf(truus), subtype: 'read', date: `ge${before}` },
    })) as unknown as Bundle;
    expect(resourcesOf(byPatient, 'AuditEvent', 'match').map((e) => e.id)).toContain(read?.id);
  });

  it('a refused read is logged too', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await refused(clients.vvt.read({ resourceType: 'Patient', id: stranger.id as string }));
    const bundle = (await clients.admin.search({
      resourceType: 'AuditEvent',
      searchParams: { date: `ge${before}`, outcome: '4', _count: '100' },
    })) as unknown as Bundle;
    const refusedRead = resourcesOf<AuditEvent>(bundle, 'AuditEvent', 'match').find((e) =>
      e.agent?.some((a) => a.who?.identifier?.value === 'demo-vvt-drentse-erf'),
    );
    expect(refusedRead).toBeDefined();
  });
});
