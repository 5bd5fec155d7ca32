import { randomUUID } from 'node:crypto';
import type Client from 'fhir-kit-client';
import type {
  Bundle,
  BundleEntry,
  CareTeam,
  EpisodeOfCare,
  Organization,
  Reference,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../support/test-server';
import {
  BSN,
  ORG_URA,
  PROFILE,
  REFERRAL_KIND,
  REJECTION_REASON,
  URA,
  byIdentifier,
  dutchName,
  getBundle,
  issuesAt,
  refOf,
  refused,
  resourcesOf,
  statusOf,
} from './e2e-helpers';
import { moveTask as put } from './referral-helpers';

/**
 * The four-party referral flow of issue 11 on the real server, each party with its own token: the VVT refers a
 * client to the MESO team, the MESO team escalates to the behandelnetwerk and asks the CTV for an ELV bed. Each
 * referral is posted as its sender's transaction and moved along by its owner with If-Match; each acceptance
 * leaves its mark on the client's zorgtraject. The admin only checks.
 */
let server: TestServer;
let vvt: Client;
let meso: Client;
let bnw: Client;
let ctv: Client;
let admin: Client;
const org = {} as Record<'vvt' | 'meso' | 'bnw' | 'ctv', Organization>;

/** Each sender's own referral numbers (its business identifiers). */
const NUMBERS = {
  vvt: 'https://drentse-erf.example.nl/fhir/NamingSystem/aanmelding',
  meso: 'https://meso-midden-drenthe.example.nl/fhir/NamingSystem/verwijzing',
};
const OUTPUT = 'https://meso-zorg.nl/fhir/CodeSystem/referral-output';
const MGZ_SERVICE = 'https://meso-zorg.nl/fhir/CodeSystem/mgz-service';
const BED = 'ELV-bed kamer 12, Zorgcentrum De Es, Assen';
/** The client of this flow (a fictional test BSN, 11-proef). */
const CLIENT_BSN = '999930011';

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [vvt, meso, bnw, ctv, admin] = await Promise.all(
    (['vvt', 'meso-team', 'behandelnetwerk', 'ctv', 'admin'] as const).map((role) => server.client(role)),
  );
  const find = (ura: string) => byIdentifier<Organization>(admin, 'Organization', URA, ura);
  [org.vvt, org.meso, org.bnw, org.ctv] = await Promise.all(
    [ORG_URA.vvt, ORG_URA['meso-team'], ORG_URA.behandelnetwerk, ORG_URA.ctv].map(find),
  );
}, 120_000);
afterAll(() => server.close());

const party = (o: Organization): Reference<Organization> => ({
  reference: refOf(o),
  type: 'Organization',
  display: o.name,
  identifier: o.identifier?.find((i) => i.system === URA),
});

interface Referral {
  kind: string;
  /** The sender's referral number: `<number>-sr` and `<number>-task`. */
  number: string;
  sender: keyof typeof NUMBERS;
  requester: Organization;
  owner: Organization;
  /** A new client, by conditional create on BSN; else the Patient the sender already knows. */
  bsn?: string;
  patient?: string;
  details?: Partial<ServiceRequest>;
}

const conditional = (system: string, value: string) => `identifier=${system}|${value}`;

/** The sender's transaction: the Patient (conditional on BSN), the ServiceRequest and the Task, each ifNoneExist. */
function referralBundle(r: Referral): Bundle {
  const system = NUMBERS[r.sender];
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const requestUrl = `urn:uuid:${randomUUID()}`;
  const subject = { reference: r.patient ?? patientUrl, type: 'Patient' as const };
  const code = { coding: [{ system: REFERRAL_KIND, code: r.kind }] };
  const request: ServiceRequest = {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILE.ServiceRequest] },
    identifier: [{ system, value: `${r.number}-sr` }],
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005' }], text: 'Verwijzing' }],
    code,
    subject,
    authoredOn: '2026-12-01',
    requester: party(r.requester),
    performer: [party(r.owner)],
    ...r.details,
  };
  const task: Task = {
    resourceType: 'Task',
    meta: { profile: [PROFILE.Task] },
    identifier: [{ system, value: `${r.number}-task` }],
    status: 'requested',
    intent: 'order',
    code,
    focus: { reference: requestUrl, type: 'ServiceRequest' },
    for: subject,
    authoredOn: '2026-12-01T09:00:00+01:00',
    requester: party(r.requester),
    owner: party(r.owner),
  };
  const post = (url: string, ifNoneExist: string) => ({ method: 'POST' as const, url, ifNoneExist });
  const entry: BundleEntry[] = [
    {
      fullUrl: requestUrl,
      resource: request,
      request: post('ServiceRequest', conditional(system, `${r.number}-sr`)),
    },
    {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: task,
      request: post('Task', conditional(system, `${r.number}-task`)),
    },
  ];
  if (r.bsn) {
    const patient = {
      resourceType: 'Patient' as const,
      meta: { profile: [PROFILE.Patient] },
      identifier: [{ system: BSN, value: r.bsn }],
      name: [dutchName('Wiebe', 'Kuiper')],
      gender: 'male' as const,
      birthDate: '1938-04-17',
    };
    entry.unshift({
      fullUrl: patientUrl,
      resource: patient,
      request: post('Patient', conditional(BSN, r.bsn)),
    });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

interface Posted {
  task: Task;
  request: ServiceRequest;
  patient: string;
}

/** Posts the referral (or this very Bundle again) as `sender`; reads back its Task and ServiceRequest as the sender. */
async function post(sender: Client, r: Referral | Bundle): Promise<Posted> {
  const body = 'resourceType' in r ? r : referralBundle(r);
  const response = (await sender.transaction({ body: body as never })) as unknown as Bundle;
  const locations = (response.entry ?? []).map((e) => e.response?.location ?? '');
  const at = (type: string) =>
    new RegExp(`(?:^|/)${type}/([^/]+)/_history/`).exec(
      locations.find((l) => l.includes(`${type}/`)) ?? '',
    )?.[1];
  const task = (await sender.read({ resourceType: 'Task', id: at('Task') as string })) as unknown as Task;
  const request = (await sender.read({
    resourceType: 'ServiceRequest',
    id: at('ServiceRequest') as string,
  })) as unknown as ServiceRequest;
  return { task, request, patient: task.for?.reference as string };
}

/** The owner takes the Task through these statuses, one update each. */
async function walk(owner: Client, task: Task, statuses: Array<Task['status']>): Promise<Task> {
  let current = task;
  for (const status of statuses) current = await put(owner, current, { status });
  return current;
}

const reread = async <T>(client: Client, resource: { resourceType: string; id?: string }): Promise<T> =>
  (await client.read({ resourceType: resource.resourceType, id: resource.id as string })) as unknown as T;

async function countByIdentifier(type: string, system: string, value: string): Promise<number> {
  const bundle = await getBundle(admin, `${type}?identifier=${system}|${value}&_total=accurate`);
  return bundle.total as number;
}

/** The client's open zorgtrajecten, as the admin finds them. */
async function zorgtrajecten(patient: string): Promise<EpisodeOfCare[]> {
  const bundle = await getBundle(admin, `EpisodeOfCare?patient=${patient}&status=active,waitlist,onhold`);
  return resourcesOf<EpisodeOfCare>(bundle, 'EpisodeOfCare', 'match');
}

async function careTeamOf(episode: EpisodeOfCare): Promise<CareTeam> {
  const [, id] = (episode.team?.[0].reference ?? '').split('/');
  return (await admin.read({ resourceType: 'CareTeam', id })) as unknown as CareTeam;
}

const members = (team: CareTeam) => (team.participant ?? []).map((p) => p.member?.reference);
const referralRequests = (episode: EpisodeOfCare) => (episode.referralRequest ?? []).map((r) => r.reference);
const offeredPlace = [
  { type: { coding: [{ system: OUTPUT, code: 'aangeboden-plek' }] }, valueString: BED },
] as Task['output'];

let client: string;
let episode: EpisodeOfCare;
const escalation = (number: string, kind = 'escalatie-medebehandeling'): Referral => ({
  kind,
  number,
  sender: 'meso',
  requester: org.meso,
  owner: org.bnw,
  patient: client,
});
const elv = (number: string): Referral => ({
  kind: 'elv-aanvraag',
  number,
  sender: 'meso',
  requester: org.meso,
  owner: org.ctv,
  patient: client,
  details: {
    orderDetail: [{ coding: [{ system: MGZ_SERVICE, code: 'elv-hoog-complex' }] }],
    occurrenceDateTime: '2026-12-08',
  },
});

describe('aanmelding: the VVT refers a new client to the MESO team', () => {
  let posted: Posted;

  it('the VVT posts it (conditional Patient on BSN); the MESO team finds it in its inbox', async () => {
    posted = await post(vvt, {
      kind: 'aanmelding-meso-team',
      number: 'FLOW-AANM-1',
      sender: 'vvt',
      requester: org.vvt,
      owner: org.meso,
      bsn: CLIENT_BSN,
    });
    client = posted.patient;
    expect(posted.task.status).toBe('requested');
    expect(posted.task.focus?.reference).toBe(refOf(posted.request));
    const inbox = await getBundle(
      meso,
      `Task?owner=${refOf(org.meso)}&status=requested,received&_include=Task:focus&_include=Task:patient`,
    );
    expect(resourcesOf(inbox, 'Task', 'match').map((t) => t.id)).toContain(posted.task.id);
    expect(resourcesOf(inbox, 'Patient', 'include').map(refOf)).toContain(client);
  });

  it('accepting opens the zorgtraject: referralRequest the aanmelding, managed by the MESO team, the VVT in its CareTeam', async () => {
    expect(await zorgtrajecten(client)).toEqual([]);
    const accepted = await walk(meso, posted.task, ['received', 'accepted']);
    expect(accepted.status).toBe('accepted');
    const [opened, ...more] = await zorgtrajecten(client);
    expect(more).toEqual([]);
    expect(opened.status).toBe('active');
    expect(opened.referralRequest?.map((r) => r.reference)).toEqual([refOf(posted.request)]);
    expect(opened.managingOrganization?.reference).toBe(refOf(org.meso));
    expect(members(await careTeamOf(opened))).toContain(refOf(org.vvt));
    expect((await reread<ServiceRequest>(vvt, posted.request)).status).toBe('active');
    // The MESO team finds the zorgtraject it now manages.
    const own = await getBundle(meso, `EpisodeOfCare?patient=${client}`);
    expect(resourcesOf(own, 'EpisodeOfCare', 'match').map((e) => e.id)).toEqual([opened.id]);
    episode = opened;
    posted.task = accepted;
  });

  it('in progress, then completed: the VVT reads its request back as completed', async () => {
    const completed = await walk(meso, posted.task, ['in-progress', 'completed']);
    expect(completed.status).toBe('completed');
    expect((await reread<Task>(vvt, completed)).status).toBe('completed');
    expect((await reread<ServiceRequest>(vvt, posted.request)).status).toBe('completed');
    // The zorgtraject goes on after the aanmelding is done.
    expect((await zorgtrajecten(client)).map((e) => e.id)).toEqual([episode.id]);
  });
});

describe('escalatie-medebehandeling: the MESO team escalates to the behandelnetwerk', () => {
  let posted: Posted;

  it('a retried post (the same Bundle) creates no duplicate', async () => {
    const bundle = referralBundle(escalation('FLOW-ESC-1'));
    posted = await post(meso, bundle);
    const again = await post(meso, bundle);
    expect(again.task.id).toBe(posted.task.id);
    expect(again.request.id).toBe(posted.request.id);
    expect(await countByIdentifier('Task', NUMBERS.meso, 'FLOW-ESC-1-task')).toBe(1);
    expect(await countByIdentifier('ServiceRequest', NUMBERS.meso, 'FLOW-ESC-1-sr')).toBe(1);
  });

  it('accepting adds the behandelnetwerk to the zorgtraject’s CareTeam and the escalation to its referralRequest', async () => {
    const accepted = await walk(bnw, posted.task, ['received', 'accepted']);
    const [extended, ...more] = await zorgtrajecten(client);
    expect(more).toEqual([]);
    expect(extended.id).toBe(episode.id);
    expect(referralRequests(extended)).toEqual(
      expect.arrayContaining([refOf(posted.request), episode.referralRequest?.[0].reference]),
    );
    const team = await careTeamOf(extended);
    expect(members(team)).toEqual(expect.arrayContaining([refOf(org.vvt), refOf(org.bnw)]));
    expect((await reread<ServiceRequest>(meso, posted.request)).status).toBe('active');
    posted.task = accepted;
  });

  it('completed by the behandelnetwerk: the MESO team reads its request back as completed', async () => {
    await walk(bnw, posted.task, ['in-progress', 'on-hold', 'in-progress', 'completed']);
    expect((await reread<Task>(meso, posted.task)).status).toBe('completed');
    expect((await reread<ServiceRequest>(meso, posted.request)).status).toBe('completed');
  });
});

describe('elv-aanvraag: the MESO team asks the CTV for a short-stay bed', () => {
  let posted: Posted;

  it('a retried post (the same Bundle) creates no duplicate', async () => {
    const bundle = referralBundle(elv('FLOW-ELV-1'));
    posted = await post(meso, bundle);
    expect((await post(meso, bundle)).task.id).toBe(posted.task.id);
    expect(await countByIdentifier('Task', NUMBERS.meso, 'FLOW-ELV-1-task')).toBe(1);
    expect(await countByIdentifier('ServiceRequest', NUMBERS.meso, 'FLOW-ELV-1-sr')).toBe(1);
  });

  it('accepting needs the offered bed in Task.output (422 without it, nothing stored)', async () => {
    const received = await put(ctv, posted.task, { status: 'received' });
    const bare = await refused(put(ctv, received, { status: 'accepted' }));
    expect(bare.status).toBe(422);
    expect(issuesAt(bare.data, 'Task.output')[0].diagnostics).toMatch(/aangeboden-plek/);
    expect((await reread<Task>(admin, received)).meta?.versionId).toBe(received.meta?.versionId);
    posted.task = received;
  });

  it('of two racing acceptances with the bed exactly one wins (200, the other 412), and takes effect once', async () => {
    const outcomes = await Promise.all(
      [0, 1].map(() =>
        put(ctv, posted.task, { status: 'accepted', output: offeredPlace }).then(
          (t) => statusOf(t),
          (err: { response?: { status: number } }) => err.response?.status,
        ),
      ),
    );
    expect(outcomes.sort()).toEqual([200, 412]);
    const accepted = await reread<Task>(ctv, posted.task);
    expect(accepted.status).toBe('accepted');
    expect(accepted.output?.[0].valueString).toBe(BED);
    // The MESO team (the requester) reads which bed is offered, and its request is active.
    expect((await reread<Task>(meso, accepted)).output?.[0].valueString).toBe(BED);
    expect((await reread<ServiceRequest>(meso, posted.request)).status).toBe('active');
    const [extended] = await zorgtrajecten(client);
    expect(referralRequests(extended).filter((r) => r === refOf(posted.request))).toHaveLength(1);
    posted.task = accepted;
  });

  it('in progress, then completed: the request is completed', async () => {
    await walk(ctv, posted.task, ['in-progress', 'completed']);
    expect((await reread<ServiceRequest>(meso, posted.request)).status).toBe('completed');
  });
});

describe('rejection and cancel', () => {
  it('the CTV rejects only with a coded reason; the rejected request is revoked and the MESO team reads why', async () => {
    const posted = await post(meso, elv('FLOW-ELV-2'));
    const received = await put(ctv, posted.task, { status: 'received' });
    const bare = await refused(put(ctv, received, { status: 'rejected' }));
    expect(bare.status).toBe(422);
    expect(issuesAt(bare.data, 'Task.statusReason').length).toBeGreaterThan(0);
    const reason = {
      coding: [{ system: REJECTION_REASON, code: 'geen-bed-beschikbaar' }],
      text: 'Regio vol',
    };
    await put(ctv, received, { status: 'rejected', statusReason: reason });
    const seen = await reread<Task>(meso, received);
    expect(seen.status).toBe('rejected');
    expect(seen.statusReason?.coding?.[0].code).toBe('geen-bed-beschikbaar');
    expect((await reread<ServiceRequest>(meso, posted.request)).status).toBe('revoked');
  });

  it.each([['requested'], ['received'], ['accepted'], ['in-progress'], ['on-hold']] as const)(
    'the requester cancels a referral in status %s (PATCH with If-Match), which revokes its request',
    async (status) => {
      const posted = await post(meso, escalation(`FLOW-CANCEL-${status}`, 'escalatie-advies'));
      const path = (['received', 'accepted', 'in-progress', 'on-hold'] as const).slice(
        0,
        ['requested', 'received', 'accepted', 'in-progress', 'on-hold'].indexOf(status),
      );
      const task = await walk(bnw, posted.task, [...path]);
      expect(task.status).toBe(status);
      const cancelled = (await meso.patch({
        resourceType: 'Task',
        id: task.id as string,
        JSONPatch: [
          { op: 'replace', path: '/status', value: 'cancelled' },
          { op: 'add', path: '/note', value: [{ text: 'Cliënt opgenomen in het ziekenhuis' }] },
        ] as never,
        options: { headers: { 'If-Match': `W/"${task.meta?.versionId}"` } },
      })) as unknown as Task;
      expect(cancelled.status).toBe('cancelled');
      expect((await reread<Task>(bnw, cancelled)).status).toBe('cancelled');
      expect((await reread<ServiceRequest>(meso, posted.request)).status).toBe('revoked');
    },
  );
});

describe('every illegal transition, from every status, is refused naming the allowed next statuses', () => {
  /** The workflow of issue 11: what may follow each status (owner's steps, and the requester's cancel). */
  const NEXT: Record<string, string[]> = {
    requested: ['received', 'cancelled'],
    received: ['accepted', 'rejected', 'cancelled'],
    accepted: ['in-progress', 'cancelled'],
    'in-progress': ['completed', 'failed', 'on-hold', 'cancelled'],
    'on-hold': ['in-progress', 'cancelled'],
    rejected: [],
    completed: [],
    failed: [],
    cancelled: [],
  };
  /** How the owner (or, for cancelled, the requester) gets a fresh referral there. */
  const ROUTE: Record<string, Array<Task['status']>> = {
    requested: [],
    received: ['received'],
    accepted: ['received', 'accepted'],
    'in-progress': ['received', 'accepted', 'in-progress'],
    'on-hold': ['received', 'accepted', 'in-progress', 'on-hold'],
    rejected: ['received', 'rejected'],
    completed: ['received', 'accepted', 'in-progress', 'completed'],
    failed: ['received', 'accepted', 'in-progress', 'failed'],
    cancelled: ['cancelled'],
  };
  const OTHER_FHIR_STATUSES = ['draft', 'ready', 'entered-in-error'];
  const reason = { coding: [{ system: REJECTION_REASON, code: 'capaciteit-team' }] };

  it.each(Object.keys(NEXT))('from %s', async (from) => {
    const posted = await post(meso, escalation(`FLOW-SM-${from}`, 'escalatie-aanvullende-diagnostiek'));
    let task = posted.task;
    for (const status of ROUTE[from]) {
      const changes: Partial<Task> = status === 'rejected' ? { status, statusReason: reason } : { status };
      task = await put(status === 'cancelled' ? meso : bnw, task, changes);
    }
    expect(task.status).toBe(from);
    const illegal = [...Object.keys(NEXT), ...OTHER_FHIR_STATUSES].filter(
      (to) => to !== from && !NEXT[from].includes(to),
    );
    const allowed = NEXT[from].length
      ? new RegExp(`from '${from}' it may go to: ${NEXT[from].join(', ')}$`)
      : new RegExp(`'${from}' is final`);
    const answers = await Promise.all(
      illegal.map(async (to) => {
        const res = await refused(put(bnw, task, { status: to as Task['status'], statusReason: reason }));
        const [problem] = issuesAt(res.data, 'Task.status');
        return { to, status: res.status, named: allowed.test(problem?.diagnostics ?? '') };
      }),
    );
    expect(answers).toEqual(illegal.map((to) => ({ to, status: 422, named: true })));
    expect((await reread<Task>(admin, task)).meta?.versionId).toBe(task.meta?.versionId);
  });
});

describe('the behandelnetwerk and the CTV see nothing of a client without a referral addressed to them', () => {
  let other: Posted;

  beforeAll(async () => {
    other = await post(vvt, {
      kind: 'aanmelding-meso-team',
      number: 'FLOW-AANM-2',
      sender: 'vvt',
      requester: org.vvt,
      owner: org.meso,
      bsn: '999930023',
    });
    other.task = await walk(meso, other.task, ['received', 'accepted']);
  });

  it.each([
    ['behandelnetwerk', () => bnw, () => org.bnw],
    ['ctv', () => ctv, () => org.ctv],
  ] as const)('%s', async (_name, caller, own) => {
    // What it sees are the Tasks of the clients of the referrals it owns (their triage needs the client's other Tasks).
    const tasks = resourcesOf<Task>(await getBundle(caller(), 'Task?_count=200'), 'Task', 'match');
    const clients = new Set(
      tasks.filter((t) => t.owner?.reference === refOf(own())).map((t) => t.for?.reference),
    );
    expect(clients.size).toBeGreaterThan(0);
    expect(tasks.filter((t) => !clients.has(t.for?.reference))).toEqual([]);
    expect(clients.has(other.patient)).toBe(false);
    const requests = resourcesOf<ServiceRequest>(
      await getBundle(caller(), 'ServiceRequest?_count=200'),
      'ServiceRequest',
      'match',
    );
    expect(requests.filter((r) => !clients.has(r.subject.reference))).toEqual([]);
    // Nor when it asks for them by name.
    for (const path of [
      `Patient?identifier=${BSN}|999930023`,
      `Task?patient=${other.patient}`,
      `ServiceRequest?identifier=${NUMBERS.vvt}|FLOW-AANM-2-sr`,
      `EpisodeOfCare?patient=${other.patient}`,
    ])
      expect({ path, found: resourcesOf(await getBundle(caller(), path), undefined, 'match') }).toEqual({
        path,
        found: [],
      });
    const read = await refused(caller().read({ resourceType: 'Task', id: other.task.id as string }));
    expect([403, 404]).toContain(read.status);
  });
});
