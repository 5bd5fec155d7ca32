import Client from 'fhir-kit-client';
import type {
  Bundle,
  CapabilityStatement,
  CarePlan,
  CareTeam,
  Condition,
  Patient,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { newFromExample } from '../support/fixtures';
import {
  BSN,
  byDemoId,
  byIdentifier,
  DEMO_ID,
  entries,
  idsOf,
  ORG_URA,
  REFERRAL_KIND,
  refOf,
  refused,
  resourcesOf,
  tick,
  URA,
} from './e2e-helpers';

/**
 * The GP EHR (HIS van Huisartsenpraktijk De Brink) pulls a patient's zorgbehandelplan by BSN, polls for changes
 * and never sees patients that are not its own. Demo data: examples/demo-data.json (Truus Bakker-Hoekstra,
 * 999911120, is a patient of the practice).
 */
let server: TestServer;
let gp: Client;
let meso: Client;
let admin: Client;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [gp, meso, admin] = await Promise.all([
    server.client('gp'),
    server.client('meso-team'),
    server.client('admin'),
  ]);
});
afterAll(() => server.close());

const ZORGBEHANDELPLAN = 'http://snomed.info/sct|135411000146103';

/** The includes of the HIS's one query (README "GP (HIS): het zorgbehandelplan ophalen"). */
const PLAN_INCLUDES = {
  _include: [
    'CarePlan:subject',
    'CarePlan:care-team',
    'CarePlan:goal',
    'CarePlan:condition',
    'CarePlan:activity-reference',
  ],
  _revinclude: ['CarePlan:part-of'],
  '_include:iterate': [
    'CareTeam:participant',
    'PractitionerRole:practitioner',
    'PractitionerRole:organization',
  ],
};

/** The HIS's one query: the current zorgbehandelplan by BSN with everything it points to. */
const planQuery = (bsn: string) => ({
  'patient.identifier': `${BSN}|${bsn}`,
  status: 'active',
  category: ZORGBEHANDELPLAN,
  ...PLAN_INCLUDES,
});

/** `Type/first identifier value`: how the demo data names a resource, whatever id the server gave it. */
const demoKey = (r: Resource) =>
  `${r.resourceType}/${(r as { identifier?: Array<{ value?: string }> }).identifier?.[0]?.value}`;

describe('the GP EHR pulls the zorgbehandelplan by BSN', () => {
  let escalation: ServiceRequest;

  beforeAll(async () => {
    // An open escalation (advice from the behandelnetwerk) is one of the plan's actions: CarePlan.activity.reference.
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-1-zorgbehandelplan');
    const role = await byDemoId(meso, 'PractitionerRole', 'specialist-ouderengeneeskunde-role');
    const org = await byIdentifier(meso, 'Organization', URA, ORG_URA.vvt);
    escalation = (await meso.create({
      resourceType: 'ServiceRequest',
      body: {
        resourceType: 'ServiceRequest',
        identifier: [{ system: DEMO_ID, value: 'client-1-escalatie-advies' }],
        status: 'active',
        intent: 'order',
        category: [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005' }] }],
        code: {
          coding: [
            { system: REFERRAL_KIND, code: 'escalatie-advies', display: 'Escalatie behandelnetwerk: advies' },
          ],
        },
        subject: plan.subject,
        authoredOn: '2026-10-12',
        requester: { reference: refOf(role), type: 'PractitionerRole' },
        performer: [{ reference: refOf(org), type: 'Organization' }],
      } as never,
    })) as unknown as ServiceRequest;
    await meso.update({
      resourceType: 'CarePlan',
      id: plan.id as string,
      body: {
        ...plan,
        activity: [{ reference: { reference: refOf(escalation), type: 'ServiceRequest' } }],
      } as never,
    });
  });

  it('returns exactly the plan graph: plan, patient, team, roles, professionals, organisations, problems, goals, actions', async () => {
    const bundle = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: planQuery('999911120'),
    })) as unknown as Bundle;
    expect(resourcesOf(bundle, undefined, 'match').map(demoKey)).toEqual([
      'CarePlan/client-1-zorgbehandelplan',
    ]);
    expect(resourcesOf(bundle, undefined, 'include').map(demoKey).sort()).toEqual(
      [
        'Patient/999911120',
        'CareTeam/client-1-careteam',
        'PractitionerRole/huisarts-role',
        'PractitionerRole/specialist-ouderengeneeskunde-role',
        'PractitionerRole/verpleegkundig-specialist-role',
        'PractitionerRole/wijkverpleegkundige-role',
        'RelatedPerson/client-1-mantelzorger',
        'Practitioner/01012345',
        'Practitioner/98012346',
        'Practitioner/98012347',
        'Practitioner/75012348',
        `Organization/${ORG_URA.gp}`,
        `Organization/${ORG_URA['meso-team']}`,
        `Organization/${ORG_URA.vvt}`,
        'Condition/client-1-problem-1',
        'Condition/client-1-problem-2',
        'Condition/client-1-problem-3',
        'Goal/client-1-goal-1',
        'Goal/client-1-goal-2',
        'CarePlan/client-1-hulp-van-anderen',
        'ServiceRequest/client-1-escalatie-advies',
      ].sort(),
    );
    // The team's contact details come along on the roles (telecom), the SO's organisation is the managing one.
    const so = resourcesOf(bundle, 'PractitionerRole', 'include').find(
      (r) => demoKey(r) === 'PractitionerRole/specialist-ouderengeneeskunde-role',
    ) as { organization?: { reference?: string } };
    expect(resourcesOf(bundle, 'Organization', 'include').map(refOf)).toContain(so.organization?.reference);
  });

  it('the CapabilityStatement lists every include and revinclude of that search', async () => {
    const statement = (await gp.capabilityStatement()) as unknown as CapabilityStatement;
    const resources = statement.rest?.[0].resource ?? [];
    const of = (type: string) => resources.find((r) => r.type === type);
    for (const include of [...PLAN_INCLUDES._include, ...PLAN_INCLUDES['_include:iterate']]) {
      const [type] = include.split(':');
      expect({ type, includes: of(type)?.searchInclude }).toEqual({
        type,
        includes: expect.arrayContaining([include]),
      });
    }
    expect(of('CarePlan')?.searchRevInclude).toEqual(expect.arrayContaining(PLAN_INCLUDES._revinclude));
    const params = (of('CarePlan')?.searchParam ?? []).map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(['patient', 'status', 'category', '_lastUpdated']));
  });

  it('gets the plan with care team, roles, problems, goals, the patient and the sub-plans in one query', async () => {
    const bundle = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: planQuery('999911120'),
    })) as unknown as Bundle;
    expect(bundle.type).toBe('searchset');

    const matches = resourcesOf<CarePlan>(bundle, undefined, 'match');
    expect(matches).toHaveLength(1);
    const plan = matches[0];
    expect(plan.resourceType).toBe('CarePlan');
    expect(plan.identifier?.[0].value).toBe('client-1-zorgbehandelplan');
    expect(plan.status).toBe('active');

    // Everything else is there as an include, and only once.
    const included = resourcesOf(bundle, undefined, 'include');
    const keys = included.map(refOf);
    expect(new Set(keys).size).toBe(keys.length);
    expect(entries(bundle).every((e) => e.search?.mode === 'match' || e.search?.mode === 'include')).toBe(
      true,
    );

    const team = resourcesOf<CareTeam>(bundle, 'CareTeam', 'include');
    expect(team.map((t) => t.identifier?.[0].value)).toEqual(['client-1-careteam']);
    expect(plan.careTeam?.[0].reference).toBe(refOf(team[0]));

    const goals = resourcesOf(bundle, 'Goal', 'include');
    expect(idsOf(goals)).toEqual((plan.goal ?? []).map((g) => g.reference?.split('/')[1]).sort());
    expect(goals).toHaveLength(2);

    const problems = resourcesOf<Condition>(bundle, 'Condition', 'include');
    expect(idsOf(problems)).toEqual((plan.addresses ?? []).map((a) => a.reference?.split('/')[1]).sort());
    expect(problems).toHaveLength(3);

    const patients = resourcesOf<Patient>(bundle, 'Patient', 'include');
    expect(patients).toHaveLength(1);
    expect(patients[0].identifier).toContainEqual({ system: BSN, value: '999911120' });
    expect(plan.subject.reference).toBe(refOf(patients[0]));

    // _revinclude=CarePlan:part-of: the HelpFromOthers plan (the daughter's care) that is part of this plan.
    const subPlans = resourcesOf<CarePlan>(bundle, 'CarePlan', 'include');
    expect(subPlans.map((p) => p.identifier?.[0].value)).toEqual(['client-1-hulp-van-anderen']);
    expect(subPlans[0].partOf?.[0].reference).toBe(refOf(plan));

    // _include:iterate=CareTeam:participant: the team's PractitionerRoles (SO, huisarts, VS, wijkverpleegkundige)
    // and the mantelzorger.
    const roles = resourcesOf(bundle, 'PractitionerRole', 'include');
    expect(
      roles.map((r) => (r as { identifier?: Array<{ value?: string }> }).identifier?.[0].value).sort(),
    ).toEqual([
      'huisarts-role',
      'specialist-ouderengeneeskunde-role',
      'verpleegkundig-specialist-role',
      'wijkverpleegkundige-role',
    ]);
    expect(resourcesOf(bundle, 'RelatedPerson', 'include')).toHaveLength(1);
    // The responsible SO (role RESP) is one of the included PractitionerRoles.
    const responsible = team[0].participant?.find((p) =>
      p.role?.some((r) => r.coding?.some((c) => c.code === 'RESP')),
    );
    expect(roles.map(refOf)).toContain(responsible?.member?.reference);
    // Every reference of the team's participants resolves inside the bundle.
    for (const participant of team[0].participant ?? [])
      expect(keys).toContain(participant.member?.reference);
  });

  it('brings the advance directive along with _revinclude:iterate=Consent:patient', async () => {
    const bundle = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: { ...planQuery('999911120'), '_revinclude:iterate': 'Consent:patient' },
    })) as unknown as Bundle;
    const consents = resourcesOf(bundle, 'Consent', 'include');
    expect(
      consents.map((c) => (c as { identifier?: Array<{ value?: string }> }).identifier?.[0].value),
    ).toEqual(['client-1-wilsverklaring']);
  });

  it('has a Dutch narrative on the plan and the included resources for systems that only display', async () => {
    const bundle = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: planQuery('999911120'),
    })) as unknown as Bundle;
    const plan = resourcesOf<CarePlan>(bundle, 'CarePlan', 'match')[0];
    expect(plan.text?.status).toBe('generated');
    const div = plan.text?.div ?? '';
    expect(div).toMatch(/^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml"/);
    // Dutch labels, and the plan's own Dutch content.
    expect(div).toMatch(/Zorgplan|Zorgbehandelplan/);
    expect(div).toMatch(/Doelen/);
    expect(div).toMatch(/Problemen/);
    expect(div).toContain('Dementie');
    expect(div).not.toMatch(/\b(Goals|Problems|Care team|Status: active)\b/);
    // The summary of the resolved graph: team with roles and phone numbers, goals, actions with who is
    // responsible, the treatment limit and the next evaluation.
    const text = div.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain(
      'Regiebehandelaar (hoofdbehandelaar): Ingrid van der Veen (Specialist ouderengeneeskunde',
    );
    expect(text).toMatch(
      /Behandelaar \(huisarts\): Jeroen Wierenga \(Huisarts, Huisartsenpraktijk De Brink\)/,
    );
    expect(text).toContain('Mevrouw blijft veilig thuis wonen en valt niet meer');
    expect(text).toContain(
      'Escalatie behandelnetwerk: advies; verantwoordelijk: Zorggroep Het Drentse Erf; actief',
    );
    expect(text).toContain('Dochter doet de boodschappen en zet de medicatie klaar');
    expect(text).toContain('Wilsverklaring: Niet reanimeren verklaring');
    expect(text).toContain('Volgende evaluatie 14 december 2026');
    expect(div).not.toMatch(/<script/i);
    for (const resource of resourcesOf(bundle, undefined, 'include')) {
      if (
        [
          'Organization',
          'Practitioner',
          'PractitionerRole',
          'Patient',
          'CareTeam',
          'Goal',
          'Condition',
        ].includes(resource.resourceType)
      ) {
        expect((resource as { text?: { div?: string } }).text?.div).toBeTruthy();
      }
    }
  });
});

describe('the GP EHR polls for changes', () => {
  it('CarePlan?_lastUpdated=gt<last seen> returns only the plans the MESO team changed since', async () => {
    const all = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: { _count: '100' },
    })) as unknown as Bundle;
    const plans = resourcesOf<CarePlan>(all, 'CarePlan', 'match');
    expect(plans.length).toBeGreaterThanOrEqual(3);
    const lastSeen = plans
      .map((p) => p.meta?.lastUpdated as string)
      .sort()
      .at(-1) as string;

    const nothingNew = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: { _lastUpdated: `gt${lastSeen}` },
    })) as unknown as Bundle;
    expect(resourcesOf(nothingNew, undefined, 'match')).toHaveLength(0);

    await tick();
    // The MESO team adds a note to Henk Jansen's plan (client 2).
    const stored = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-2-zorgbehandelplan');
    const note = { text: 'MDO 14-09: insuline-instructie aan echtgenote gegeven; evaluatie over zes weken.' };
    const updated = (await meso.update({
      resourceType: 'CarePlan',
      id: stored.id as string,
      body: { ...stored, note: [...(stored.note ?? []), note] } as never,
    })) as unknown as CarePlan;
    expect(updated.meta?.versionId).toBe('2');

    const changed = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: { _lastUpdated: `gt${lastSeen}` },
    })) as unknown as Bundle;
    const changedPlans = resourcesOf<CarePlan>(changed, undefined, 'match');
    expect(changedPlans.map((p) => p.id)).toEqual([stored.id]);
    expect(changedPlans[0].note).toContainEqual(note);
    expect(changedPlans[0].meta?.versionId).toBe('2');

    // Polling again with the new lastUpdated gives nothing: no plan is reported twice.
    const again = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: { _lastUpdated: `gt${updated.meta?.lastUpdated}` },
    })) as unknown as Bundle;
    expect(resourcesOf(again, undefined, 'match')).toHaveLength(0);
  });

  it('CarePlan?patient=…&_lastUpdated=gt<instant> polls one patient, and _history shows each version', async () => {
    const patient = await byIdentifier<Patient>(gp, 'Patient', BSN, '999901199');
    const stored = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-2-zorgbehandelplan');
    const since = stored.meta?.lastUpdated as string;
    const poll = async () =>
      resourcesOf<CarePlan>(
        (await gp.search({
          resourceType: 'CarePlan',
          searchParams: { patient: refOf(patient), _lastUpdated: `gt${since}` },
        })) as unknown as Bundle,
        undefined,
        'match',
      );
    expect(await poll()).toHaveLength(0);
    await tick();
    const note = { text: 'Telefonisch overleg met de huisarts over de insulinedosering.' };
    const updated = (await meso.update({
      resourceType: 'CarePlan',
      id: stored.id as string,
      body: { ...stored, note: [...(stored.note ?? []), note] } as never,
    })) as unknown as CarePlan;
    expect((await poll()).map((p) => p.meta?.versionId)).toEqual([updated.meta?.versionId]);

    // History: every version, newest first, each readable on its own (vread).
    const history = (await gp.history({
      resourceType: 'CarePlan',
      id: stored.id as string,
    })) as unknown as Bundle;
    expect(history.type).toBe('history');
    const versions = (history.entry ?? []).map((e) => e.resource?.meta?.versionId);
    const newest = Number(updated.meta?.versionId);
    expect(versions).toEqual(Array.from({ length: newest }, (_, i) => String(newest - i)));
    expect(history.entry?.[0].response?.status).toMatch(/^200/);
    const previous = (await gp.vread({
      resourceType: 'CarePlan',
      id: stored.id as string,
      version: String(newest - 1),
    })) as unknown as CarePlan;
    expect(previous.note ?? []).not.toContainEqual(note);
  });

  it('a display-only HIS sees the change in the narrative too (a generated narrative is not left stale)', async () => {
    const stored = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-3-zorgbehandelplan');
    const description =
      'Mevrouw is verhuisd naar het verpleeghuis; het plan is overgedragen aan de SO van het verpleeghuis.';
    // The MESO system sends back what it read (including the generated text) with a new description.
    await meso.update({
      resourceType: 'CarePlan',
      id: stored.id as string,
      body: { ...stored, description } as never,
    });
    const read = (await gp.read({
      resourceType: 'CarePlan',
      id: stored.id as string,
    })) as unknown as CarePlan;
    expect(read.description).toBe(description);
    expect(read.text?.div).toContain('Mevrouw is verhuisd naar het verpleeghuis');
  });
});

describe('the GP does not see patients that are not its own', () => {
  let stranger: Patient;
  let strangerProblem: Condition;

  beforeAll(async () => {
    // A patient of another practice, registered by the service's admin: no link to De Brink at all.
    const patient = newFromExample<Patient>('nl-core-Patient-01');
    patient.identifier = [{ system: BSN, value: '999900067' }];
    stranger = (await admin.create({
      resourceType: 'Patient',
      body: patient as never,
    })) as unknown as Patient;
    const problem = newFromExample<Condition>('nl-core-Problem-01');
    problem.subject = { reference: refOf(stranger), type: 'Patient' };
    strangerProblem = (await admin.create({
      resourceType: 'Condition',
      body: problem as never,
    })) as unknown as Condition;
  });

  it('a search by BSN finds nothing and reveals no total', async () => {
    const byBsn = (await gp.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|999900067`, _total: 'accurate' },
    })) as unknown as Bundle;
    expect(byBsn.total).toBe(0);
    expect(entries(byBsn)).toHaveLength(0);

    const plans = (await gp.search({
      resourceType: 'CarePlan',
      searchParams: { 'patient.identifier': `${BSN}|999900067`, _total: 'accurate' },
    })) as unknown as Bundle;
    expect(plans.total).toBe(0);

    const problems = (await gp.search({
      resourceType: 'Condition',
      searchParams: { subject: refOf(stranger), _summary: 'count' },
    })) as unknown as Bundle;
    expect(problems.total).toBe(0);

    // The admin does see them: the patient exists, the GP is just not entitled to it.
    const asAdmin = (await admin.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|999900067`, _total: 'accurate' },
    })) as unknown as Bundle;
    expect(asAdmin.total).toBe(1);
  });

  it('a read of the patient or its data is 403 with an OperationOutcome', async () => {
    const patient = await refused(gp.read({ resourceType: 'Patient', id: stranger.id as string }));
    expect(patient.status).toBe(403);
    expectOutcome(patient.data, 'forbidden');
    const problem = await refused(gp.read({ resourceType: 'Condition', id: strangerProblem.id as string }));
    expect(problem.status).toBe(403);
    expectOutcome(problem.data, 'forbidden');
  });

  it('its own patient stays readable', async () => {
    const own = await byIdentifier<Patient>(gp, 'Patient', BSN, '999911120');
    const read = (await gp.read({ resourceType: 'Patient', id: own.id as string })) as unknown as Patient;
    expect(read.identifier).toContainEqual({ system: BSN, value: '999911120' });
  });
});
