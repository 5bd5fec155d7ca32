import fs from 'node:fs';
import type {
  Bundle,
  CareTeam,
  EpisodeOfCare,
  Organization,
  Provenance,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { projectPath } from '../../../src/project-root';
import type { Executor } from '../../../src/fhir/interactions/execute';
import { referralTaskRules } from '../../../src/fhir/referral/task-workflow';
import { AccessPolicy } from '../../../src/security/access-policy';
import { resourceStore } from '../../../src/store/resource-store';
import type { Database } from '../../../src/store/database';
import type { RequestContext } from '../../../src/kernel/request-context';
import { FhirError } from '../../../src/kernel/outcome';
import { createTestDatabase } from '../../support/test-database';
import { caller } from '../../security/security-test-support';
import {
  ctx as systemCtx,
  engineFor,
  referralBundle,
  transactionRequest,
} from '../repository/repository-support';

const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const KIND = 'https://meso-zorg.nl/fhir/CodeSystem/referral-kind';
const REJECTION = 'https://meso-zorg.nl/fhir/CodeSystem/referral-rejection-reason';
const OUTPUT = 'https://meso-zorg.nl/fhir/CodeSystem/referral-output';
const MESO = '90000022';
const VVT = '90000033';
/** A second organisation standing in for the behandelnetwerk and the CTV (their kinds come separately). */
const NETWORK = '90000044';
const ORG_ID = { [MESO]: 'meso-demo-org-meso', [VVT]: 'meso-demo-org-vvt', [NETWORK]: 'test-network' };

const policy = new AccessPolicy({ partyCacheMs: 0 });
const as = (kind: 'vvt' | 'meso-team', ura: string): RequestContext => ({
  ...systemCtx,
  caller: caller(kind, { ura }),
});
const meso = as('meso-team', MESO);
const vvt = as('vvt', VVT);
const network = as('meso-team', NETWORK);

let db: Database;
let executor: Executor;
let serial = 0;

/** A fresh test-range BSN (9999xxxxx) that passes the 11-proef. */
function newBsn(): string {
  for (;;) {
    const head = `9999${String(1000 + ++serial).slice(-4)}`;
    const sum = [...head].reduce((acc, d, i) => acc + Number(d) * (9 - i), 0);
    const last = sum % 11;
    if (last < 10) return `${head}${last}`;
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  const rules = referralTaskRules((q, c) => policy.partyOf(q, c));
  executor = (await engineFor(db, { beforeStore: [rules], access: policy })).executor;
  const fixture = (name: string) =>
    JSON.parse(
      fs.readFileSync(projectPath('examples', 'fixtures', `Organization-${name}.json`), 'utf8'),
    ) as Organization;
  for (const name of ['meso-demo-org-meso', 'meso-demo-org-vvt'])
    await executor.repository.create(systemCtx, fixture(name), { assignedId: name });
  const net = fixture('meso-demo-org-meso');
  net.identifier = [{ system: URA, value: NETWORK }];
  net.name = 'Behandelnetwerk Test';
  delete net.text;
  await executor.repository.create(systemCtx, net, { assignedId: ORG_ID[NETWORK] });
  // The MESO team's specialist ouderengeneeskunde, who may accept an aanmelding addressed to her.
  for (const [type, id] of [
    ['Practitioner', 'meso-demo-specialist-ouderengeneeskunde-practitioner'],
    ['PractitionerRole', 'meso-demo-specialist-ouderengeneeskunde-role'],
  ]) {
    const file = projectPath('examples', 'fixtures', `${type}-${id}.json`);
    await executor.repository.create(systemCtx, JSON.parse(fs.readFileSync(file, 'utf8')) as Resource, {
      assignedId: id,
    });
  }
}, 60_000);
afterAll(() => db.close());

interface Referral {
  task: Task;
  request: string;
  patient: string;
}

/** A referral of `kind` from `requester` to `owner` (both by URA only), stored by the system as requested. */
async function newReferral(
  kind: string,
  options: { bsn: string; requester?: string; owner?: string; ownerRef?: Task['owner']; by?: RequestContext },
): Promise<Referral> {
  const { bsn, requester = VVT, owner = MESO, ownerRef, by = systemCtx } = options;
  const bundle = referralBundle();
  const n = ++serial;
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource as Resource;
    if (r.resourceType === 'Patient') {
      r.identifier = [{ system: BSN, value: bsn }];
      (entry.request as { ifNoneExist?: string }).ifNoneExist = `identifier=${BSN}|${bsn}`;
      continue;
    }
    const referral = r as Task | ServiceRequest;
    referral.identifier = referral.identifier?.map((i) => ({ ...i, value: `${i.value}-effects-${n}` }));
    referral.code = { coding: [{ system: KIND, code: kind }] };
    delete entry.request?.ifNoneExist;
    if (r.resourceType === 'Task') {
      const task = r as Task;
      task.requester = { identifier: { system: URA, value: requester } };
      task.owner = ownerRef ?? { identifier: { system: URA, value: owner } };
    } else {
      const sr = r as ServiceRequest;
      sr.requester = { identifier: { system: URA, value: requester } };
      sr.performer = [{ identifier: { system: URA, value: owner } }];
      if (kind === 'elv-aanvraag')
        sr.orderDetail = [
          {
            coding: [
              { system: 'https://meso-zorg.nl/fhir/CodeSystem/mgz-service', code: 'elv-laag-complex' },
            ],
          },
        ];
    }
  }
  const response = await executor.execute(by, transactionRequest(bundle));
  const locations = (response.body as Bundle).entry?.map((e) => e.response?.location ?? '') ?? [];
  const idOf = (type: string) =>
    locations.map((l) => new RegExp(`(?:^|/)${type}/([^/]+)`).exec(l)?.[1]).find(Boolean) as string;
  const task = (await executor.repository.read(systemCtx, 'Task', idOf('Task'))).resource as Task;
  return {
    task,
    request: `ServiceRequest/${idOf('ServiceRequest')}`,
    patient: task.for?.reference as string,
  };
}

/** A client's PUT of the Task with `changes`, If-Match its version. */
async function move(ctx: RequestContext, task: Task, changes: Partial<Task>, via = executor): Promise<Task> {
  const res = await via.execute(ctx, {
    kind: 'update',
    method: 'PUT',
    resourceType: 'Task',
    id: task.id,
    query: [],
    body: { ...task, ...changes } as Task,
    ifMatch: `W/"${task.meta?.versionId}"`,
    lenient: false,
  });
  return res.body as Task;
}

async function accepted(referral: Referral, owner = meso, changes: Partial<Task> = {}): Promise<Task> {
  const received = await move(owner, referral.task, { status: 'received' });
  return move(owner, received, { status: 'accepted', ...changes });
}

async function current<T extends Resource>(reference: string): Promise<T & { meta: { versionId: string } }> {
  const [type, id] = reference.split('/');
  const stored = await resourceStore.current(db.pool, type, id);
  return stored?.resource as T & { meta: { versionId: string } };
}

async function episodesOf(patient: string): Promise<EpisodeOfCare[]> {
  return (await executor.repository.findMatches(
    'EpisodeOfCare',
    [['patient', patient]],
    10,
  )) as EpisodeOfCare[];
}

async function teamOf(episode: EpisodeOfCare): Promise<CareTeam> {
  return current<CareTeam>(episode.team?.[0]?.reference as string);
}

const members = (team: CareTeam) => (team.participant ?? []).map((p) => p.member?.reference);

async function provenancesOf(task: Task): Promise<Provenance[]> {
  const res = await db.pool.query<{ content: Provenance }>(
    `SELECT content FROM resource WHERE resource_type = 'Provenance' AND NOT deleted
     AND content->'target' @> $1::jsonb`,
    [JSON.stringify([{ reference: `Task/${task.id}/_history/${task.meta?.versionId}` }])],
  );
  return res.rows.map((r) => r.content);
}

const version = (r: Resource & { meta?: { versionId?: string } }) =>
  `${r.resourceType}/${r.id}/_history/${r.meta?.versionId}`;

describe('effects of a referral Task transition, in its transaction (real database)', () => {
  it('accepting an aanmelding opens a zorgtraject with the SR, the MESO team and the VVT in its CareTeam', async () => {
    const referral = await newReferral('aanmelding-meso-team', { bsn: newBsn() });
    const task = await accepted(referral);
    expect((await current<ServiceRequest>(referral.request)).status).toBe('active');
    const [episode, ...more] = await episodesOf(referral.patient);
    expect(more).toHaveLength(0);
    expect(episode).toMatchObject({
      meta: { profile: ['https://meso-zorg.nl/fhir/StructureDefinition/meso-zorgtraject'] },
      status: 'active',
      patient: { reference: referral.patient },
      managingOrganization: { reference: `Organization/${ORG_ID[MESO]}` },
      referralRequest: [{ reference: referral.request }],
      type: [{ coding: [{ code: 'zorgtraject-kwetsbare-patienten' }] }],
    });
    expect(episode.period?.start).toBe(task.meta?.lastUpdated);
    const team = await teamOf(episode);
    expect(team.meta?.profile).toEqual(['https://meso-zorg.nl/fhir/StructureDefinition/meso-careteam']);
    expect(team.subject?.reference).toBe(referral.patient);
    expect(team.participant).toEqual([
      expect.objectContaining({
        member: expect.objectContaining({ reference: `Organization/${ORG_ID[VVT]}` }),
        role: [expect.objectContaining({ coding: [expect.objectContaining({ code: 'REF' })] })],
      }),
    ]);

    // The decision leaves one Provenance: the Task version, and each version written as its effect (the
    // ServiceRequest was posted active, so accepting it writes none).
    const [provenance, ...others] = await provenancesOf(task);
    expect(others).toHaveLength(0);
    const targets = provenance.target.map((t) => t.reference);
    expect((await current<ServiceRequest>(referral.request)).meta.versionId).toBe('1');
    expect(targets.sort()).toEqual([version(task), version(episode), version(team)].sort());
    expect(provenance.extension).toEqual([
      expect.objectContaining({ valueReference: expect.objectContaining({ reference: referral.patient }) }),
    ]);
    expect(provenance.agent?.map((a) => a.who?.display)).toEqual(
      expect.arrayContaining(['Test meso-team', 'Test meso-team (test-meso-team)']),
    );
  });

  it('a second accepted aanmelding extends the same zorgtraject, and the VVT joins its team once', async () => {
    const bsn = newBsn();
    const first = await newReferral('aanmelding-meso-team', { bsn });
    await accepted(first);
    const second = await newReferral('aanmelding-meso-team', { bsn });
    expect(second.patient).toBe(first.patient);
    await accepted(second);
    const episodes = await episodesOf(first.patient);
    expect(episodes).toHaveLength(1);
    expect(episodes[0].referralRequest?.map((r) => r.reference)).toEqual([first.request, second.request]);
    expect(members(await teamOf(episodes[0]))).toEqual([`Organization/${ORG_ID[VVT]}`]);
  });

  it('two aanmeldingen of one patient accepted at once open one zorgtraject', async () => {
    const bsn = newBsn();
    const first = await newReferral('aanmelding-meso-team', { bsn });
    const second = await newReferral('aanmelding-meso-team', { bsn });
    const received = await Promise.all(
      [first, second].map((r) => move(meso, r.task, { status: 'received' })),
    );
    await Promise.all(received.map((t) => move(meso, t, { status: 'accepted' })));
    const episodes = await episodesOf(first.patient);
    expect(episodes).toHaveLength(1);
    expect(episodes[0].referralRequest?.map((r) => r.reference).sort()).toEqual(
      [first.request, second.request].sort(),
    );
  });

  it('an aanmelding accepted by a PractitionerRole makes her the careManager, her organisation managing', async () => {
    const role = 'PractitionerRole/meso-demo-specialist-ouderengeneeskunde-role';
    const referral = await newReferral('aanmelding-meso-team', {
      bsn: newBsn(),
      ownerRef: {
        reference: role,
        type: 'PractitionerRole',
        identifier: {
          system: 'https://meso-zorg.nl/fhir/NamingSystem/demo-id',
          value: 'specialist-ouderengeneeskunde-role',
        },
      },
    });
    await accepted(referral);
    const [episode] = await episodesOf(referral.patient);
    expect(episode.careManager?.reference).toBe(role);
    expect(episode.managingOrganization?.reference).toBe(`Organization/${ORG_ID[MESO]}`);
  });

  it('the VVT’s post of a referral Task leaves a Provenance naming the VVT; a PATCH acceptance has the effects', async () => {
    const referral = await newReferral('aanmelding-meso-team', { bsn: newBsn(), by: vvt });
    const [posted] = await provenancesOf(referral.task);
    expect(posted.target.map((t) => t.reference)).toEqual([version(referral.task)]);
    expect(posted.agent?.[0]).toMatchObject({ who: { display: 'Test vvt' } });
    const received = await move(meso, referral.task, { status: 'received' });
    await executor.execute(meso, {
      kind: 'patch',
      method: 'PATCH',
      resourceType: 'Task',
      id: received.id,
      query: [],
      patch: [{ op: 'replace', path: '/status', value: 'accepted' }],
      ifMatch: `W/"${received.meta?.versionId}"`,
      lenient: false,
    });
    const [episode] = await episodesOf(referral.patient);
    expect(episode.referralRequest?.map((r) => r.reference)).toEqual([referral.request]);
  });

  it('rejecting revokes the ServiceRequest and opens nothing', async () => {
    const referral = await newReferral('aanmelding-meso-team', { bsn: newBsn() });
    const received = await move(meso, referral.task, { status: 'received' });
    // Nothing is decided on receipt: the request stays active.
    expect((await current<ServiceRequest>(referral.request)).meta.versionId).toBe('1');
    await move(meso, received, {
      status: 'rejected',
      statusReason: { coding: [{ system: REJECTION, code: 'capaciteit-team' }] },
    });
    const request = await current<ServiceRequest>(referral.request);
    expect(request.status).toBe('revoked');
    expect(await episodesOf(referral.patient)).toHaveLength(0);
    const rejected = await current<Task>(`Task/${referral.task.id}`);
    const [provenance] = await provenancesOf(rejected);
    expect(provenance.target.map((t) => t.reference)).toEqual([version(rejected), version(request)]);
  });

  it('completing completes the ServiceRequest; on-hold follows', async () => {
    const referral = await newReferral('aanmelding-meso-team', { bsn: newBsn() });
    const inProgress = await move(meso, await accepted(referral), { status: 'in-progress' });
    const onHold = await move(meso, inProgress, { status: 'on-hold' });
    expect((await current<ServiceRequest>(referral.request)).status).toBe('on-hold');
    const resumed = await move(meso, onHold, { status: 'in-progress' });
    expect((await current<ServiceRequest>(referral.request)).status).toBe('active');
    await move(meso, resumed, { status: 'completed' });
    expect((await current<ServiceRequest>(referral.request)).status).toBe('completed');
  });

  it('the requester’s cancel revokes the ServiceRequest', async () => {
    const referral = await newReferral('aanmelding-meso-team', { bsn: newBsn() });
    await move(vvt, referral.task, { status: 'cancelled' });
    expect((await current<ServiceRequest>(referral.request)).status).toBe('revoked');
  });

  it('an ELV acceptance without the offered place is a 422 at Task.output; with it, the zorgtraject links it', async () => {
    const bsn = newBsn();
    const aanmelding = await newReferral('aanmelding-meso-team', { bsn });
    await accepted(aanmelding);
    const elv = await newReferral('elv-aanvraag', { bsn, requester: VVT, owner: NETWORK });
    const received = await move(network, elv.task, { status: 'received' });
    const refusal = await move(network, received, { status: 'accepted' }).then(
      () => undefined,
      (err: unknown) => err as FhirError,
    );
    expect(refusal).toBeInstanceOf(FhirError);
    expect(refusal?.status).toBe(422);
    expect(refusal?.issues[0]).toMatchObject({
      expression: ['Task.output'],
      diagnostics: expect.stringContaining(`${OUTPUT}|aangeboden-plek`),
    });
    expect((await current<Task>(`Task/${elv.task.id}`)).status).toBe('received');
    expect((await current<ServiceRequest>(elv.request)).meta.versionId).toBe('1');

    const place = 'ELV-bed kamer 12, Zorgcentrum De Es, Assen';
    const output = [{ type: { coding: [{ system: OUTPUT, code: 'aangeboden-plek' }] }, valueString: place }];
    const task = await move(network, received, { status: 'accepted', output });
    expect(task.output?.[0].valueString).toBe(place);
    expect((await current<ServiceRequest>(elv.request)).status).toBe('active');
    const [episode] = await episodesOf(elv.patient);
    expect(episode.referralRequest?.map((r) => r.reference)).toEqual([aanmelding.request, elv.request]);
    // The CTV does not join the team.
    expect(members(await teamOf(episode))).toEqual([`Organization/${ORG_ID[VVT]}`]);
  });

  it('an accepted escalation adds the behandelnetwerk to the zorgtraject’s CareTeam', async () => {
    const bsn = newBsn();
    const aanmelding = await newReferral('aanmelding-meso-team', { bsn });
    await accepted(aanmelding);
    const escalation = await newReferral('escalatie-advies', { bsn, requester: MESO, owner: NETWORK });
    await accepted(escalation, network);
    const [episode, ...more] = await episodesOf(escalation.patient);
    expect(more).toHaveLength(0);
    expect(episode.referralRequest?.map((r) => r.reference)).toEqual([
      aanmelding.request,
      escalation.request,
    ]);
    const team = await teamOf(episode);
    expect(members(team)).toEqual([`Organization/${ORG_ID[VVT]}`, `Organization/${ORG_ID[NETWORK]}`]);
    expect(team.participant?.[1].role?.[0].coding?.[0].code).toBe('CON');
  });

  it('an escalation without an open zorgtraject changes only its ServiceRequest', async () => {
    const escalation = await newReferral('escalatie-medebehandeling', {
      bsn: newBsn(),
      requester: MESO,
      owner: NETWORK,
    });
    await accepted(escalation, network);
    expect((await current<ServiceRequest>(escalation.request)).status).toBe('active');
    expect(await episodesOf(escalation.patient)).toHaveLength(0);
  });

  it('the effects roll back with the Task when a later step of the transaction fails', async () => {
    const failing = (
      await engineFor(db, {
        beforeStore: [referralTaskRules((q, c) => policy.partyOf(q, c))],
        access: policy,
        outbox: {
          enqueue: async () => {
            throw new Error('outbox unavailable');
          },
        },
      })
    ).executor;
    const referral = await newReferral('aanmelding-meso-team', { bsn: newBsn() });
    const received = await move(meso, referral.task, { status: 'received' });
    await expect(move(meso, received, { status: 'accepted' }, failing)).rejects.toThrow();
    expect((await current<Task>(`Task/${referral.task.id}`)).meta.versionId).toBe('2');
    expect((await current<ServiceRequest>(referral.request)).meta.versionId).toBe('1');
    expect(await episodesOf(referral.patient)).toHaveLength(0);
    expect(await provenancesOf({ ...received, meta: { versionId: '3' } })).toHaveLength(0);
    // The same acceptance with a working outbox has them all.
    const task = await move(meso, received, { status: 'accepted' });
    expect(await episodesOf(referral.patient)).toHaveLength(1);
    expect((await provenancesOf(task))[0].target).toHaveLength(3);
  });

  it('the server’s own write of a Task (no client request, as the MESO import) has no effects', async () => {
    const referral = await newReferral('aanmelding-meso-team', { bsn: newBsn() });
    await executor.repository.update(meso, 'Task', referral.task.id as string, {
      ...referral.task,
      status: 'accepted',
    });
    expect((await current<ServiceRequest>(referral.request)).meta.versionId).toBe('1');
    expect(await episodesOf(referral.patient)).toHaveLength(0);
  });
});
