import fs from 'node:fs';
import type {
  Bundle,
  CareTeam,
  EpisodeOfCare,
  Organization,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { projectPath } from '../../../src/project-root';
import type { Executor } from '../../../src/fhir/interactions/execute';
import { referralTaskRules } from '../../../src/fhir/referral/task-workflow';
import { importDocument } from '../../../src/fhir/meso/import';
import { exportDocument } from '../../../src/fhir/meso/export';
import { normalizeDocument } from '../../../src/fhir/meso/normalize';
import { MESO_ITEM_SYSTEM } from '../../../src/fhir/meso/graph';
import type { MesoCarePlanDocument } from '../../../src/meso-document/document';
import { validateMesoDocument } from '../../../src/meso-document/validate';
import { AccessPolicy } from '../../../src/security/access-policy';
import type { Database } from '../../../src/store/database';
import type { RequestContext } from '../../../src/kernel/request-context';
import { createTestDatabase } from '../../support/test-database';
import { caller } from '../../security/security-test-support';
import {
  ctx as systemCtx,
  engineFor,
  referralBundle,
  transactionRequest,
} from '../repository/repository-support';
import { example } from './support/mini-mapping';
import { currentOf, mesoCtx, versionCount } from './support/import-support';

// Issue 11 × issue 10: the referral effects (src/fhir/referral/zorgtraject-effects.ts) and the MESO document
// import write the same zorgtraject and CareTeam. One open zorgtraject per organisation, and neither drops what
// the other added.

const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const KIND = 'https://meso-zorg.nl/fhir/CodeSystem/referral-kind';
const MESO = '90000022';
const VVT = '90000033';
const VVT_ORG = 'Organization/meso-demo-org-vvt';
const MESO_ORG = 'Organization/meso-demo-org-meso';

const policy = new AccessPolicy({ partyCacheMs: 0 });
/** A second organisation standing in for the behandelnetwerk (a URA none of the example documents names). */
const NETWORK = '90000099';
const NETWORK_ORG = 'Organization/test-network';
const meso: RequestContext = { ...systemCtx, caller: caller('meso-team', { ura: MESO }) };
const network: RequestContext = { ...systemCtx, caller: caller('meso-team', { ura: NETWORK }) };

let db: Database;
let executor: Executor;
let serial = 0;

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
  await executor.repository.create(systemCtx, net, { assignedId: 'test-network' });
}, 60_000);
afterAll(() => db.close());

/** The example document under its own id and BSN. */
function documentFor(id: string, bsn: string): MesoCarePlanDocument {
  const doc = structuredClone(example('eenvoudig'));
  doc.document.id = id;
  doc.client.bsn = bsn;
  return doc;
}

/** A referral of `kind` of the patient with `bsn`, by URA (stored by the system, status requested). */
async function referral(
  bsn: string,
  kind = 'aanmelding-meso-team',
  requester = VVT,
  owner = MESO,
): Promise<{ task: Task; request: string }> {
  const bundle = referralBundle();
  const n = ++serial;
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource as Resource;
    if (r.resourceType === 'Patient') {
      r.identifier = [{ system: BSN, value: bsn }];
      (entry.request as { ifNoneExist?: string }).ifNoneExist = `identifier=${BSN}|${bsn}`;
      continue;
    }
    const resource = r as Task | ServiceRequest;
    resource.identifier = resource.identifier?.map((i) => ({ ...i, value: `${i.value}-adopt-${n}` }));
    resource.code = { coding: [{ system: KIND, code: kind }] };
    resource.requester = { identifier: { system: URA, value: requester } };
    delete entry.request?.ifNoneExist;
    if (r.resourceType === 'Task') (r as Task).owner = { identifier: { system: URA, value: owner } };
    else (r as ServiceRequest).performer = [{ identifier: { system: URA, value: owner } }];
  }
  const response = await executor.execute(systemCtx, transactionRequest(bundle));
  const locations = (response.body as Bundle).entry?.map((e) => e.response?.location ?? '') ?? [];
  const idOf = (type: string) =>
    locations.map((l) => new RegExp(`(?:^|/)${type}/([^/]+)`).exec(l)?.[1]).find(Boolean) as string;
  const task = (await executor.repository.read(systemCtx, 'Task', idOf('Task'))).resource as Task;
  return { task, request: `ServiceRequest/${idOf('ServiceRequest')}` };
}

async function move(task: Task, status: Task['status'], by = meso): Promise<Task> {
  const res = await executor.execute(by, {
    kind: 'update',
    method: 'PUT',
    resourceType: 'Task',
    id: task.id,
    query: [],
    body: { ...task, status },
    ifMatch: `W/"${task.meta?.versionId}"`,
    lenient: false,
  });
  return res.body as Task;
}

const accept = async (task: Task, by = meso) => move(await move(task, 'received', by), 'accepted', by);

async function zorgtrajectenOf(task: Task): Promise<EpisodeOfCare[]> {
  return (await executor.repository.findMatches(
    'EpisodeOfCare',
    [
      ['patient', task.for?.reference as string],
      ['status', 'active,waitlist,onhold'],
    ],
    10,
  )) as EpisodeOfCare[];
}

const members = (team: CareTeam) => (team.participant ?? []).map((p) => p.member?.reference);
const roleCodes = (team: CareTeam, member: string) =>
  team.participant
    ?.find((p) => p.member?.reference === member)
    ?.role?.flatMap((r) => r.coding?.map((c) => c.code));
const ownedBy = (r: { identifier?: Array<{ system?: string; value?: string }> }, doc: MesoCarePlanDocument) =>
  r.identifier?.some((i) => i.system === MESO_ITEM_SYSTEM && i.value?.startsWith(`${doc.document.id}/`));
const memberRoles = (team: CareTeam) => members(team).filter((m) => m?.startsWith('PractitionerRole/'));

/**
 * The export is the document again: a valid one, with the document's members and trajectory only (the
 * Organizations here are the richer demo fixtures, merged with the document's, so those are not compared).
 */
async function expectExportOf(doc: MesoCarePlanDocument): Promise<void> {
  const { document } = await exportDocument(executor.repository, mesoCtx(), doc.document.id);
  const result = validateMesoDocument(document);
  expect(result.valid ? [] : result.errors).toEqual([]);
  const expected = normalizeDocument(doc);
  const people = (d: MesoCarePlanDocument) => d.team.members.map((m) => [m.id, m.role, m.professional.name]);
  const { managingOrganisation: _a, ...trajectory } = document.trajectory;
  const { managingOrganisation: _b, ...expectedTrajectory } = expected.trajectory;
  expect(people(document)).toEqual(people(expected));
  expect(document.team.name).toBe(expected.team.name);
  expect(trajectory).toEqual(expectedTrajectory);
  expect(document.trajectory.managingOrganisation.ura).toBe(MESO);
}

describe('MESO document import and accepted referrals share one zorgtraject', () => {
  it('an import after an accepted aanmelding adopts its zorgtraject and CareTeam', async () => {
    const doc = documentFor('zbp-adopt-1', '999970045');
    const aanmelding = await referral(doc.client.bsn);
    await accept(aanmelding.task);
    const [opened] = await zorgtrajectenOf(aanmelding.task);
    const openedTeam = opened.team?.[0]?.reference as string;

    await importDocument(executor.repository, mesoCtx(), doc);
    const episodes = await zorgtrajectenOf(aanmelding.task);
    expect(episodes).toHaveLength(1);
    const [episode] = episodes;
    expect(episode.id).toBe(opened.id);
    expect(ownedBy(episode, doc)).toBe(true);
    expect(episode.managingOrganization?.reference).toBe(MESO_ORG);
    expect(episode.referralRequest?.map((r) => r.reference)).toEqual([aanmelding.request]);
    // The document's content: its start and its regiebehandelaar.
    expect(episode.period?.start).toBe(doc.trajectory.start);
    expect(episode.careManager?.reference).toMatch(/^PractitionerRole\//);
    expect(episode.team?.map((t) => t.reference)).toEqual([openedTeam]);

    const team = await currentOf<CareTeam>(db, openedTeam);
    expect(ownedBy(team, doc)).toBe(true);
    expect(members(team)).toContain(VVT_ORG);
    expect(roleCodes(team, VVT_ORG)).toEqual(['REF']);
    expect(memberRoles(team)).toHaveLength(doc.team.members.length);
    const teams = await executor.repository.findMatches('CareTeam', [
      ['patient', episode.patient.reference as string],
    ]);
    expect(teams).toHaveLength(1);

    // The VVT and the referral are not the document's content.
    await expectExportOf(doc);

    // The same version again writes nothing.
    const before = await versionCount(db);
    const again = await importDocument(executor.repository, mesoCtx(), doc);
    expect(again).toMatchObject({ status: 200, alreadyImported: true });
    expect(await versionCount(db)).toBe(before);
  });

  it('a new version keeps the referral and the VVT that an aanmelding accepted after the import added', async () => {
    const doc = documentFor('zbp-adopt-2', '999970057');
    await importDocument(executor.repository, mesoCtx(), doc);
    const aanmelding = await referral(doc.client.bsn);
    await accept(aanmelding.task);
    const [extended, ...more] = await zorgtrajectenOf(aanmelding.task);
    expect(more).toHaveLength(0);
    expect(ownedBy(extended, doc)).toBe(true);
    expect(extended.referralRequest?.map((r) => r.reference)).toEqual([aanmelding.request]);
    const teamRef = extended.team?.[0]?.reference as string;
    expect(members(await currentOf<CareTeam>(db, teamRef))).toContain(VVT_ORG);

    const next = structuredClone(doc);
    next.document.version = 2;
    next.team.name = 'MESO-team Wolters (herzien)';
    // wv-de-boer: the one member no other part of the document names.
    next.team.members = next.team.members.filter((m) => m.id !== 'wv-de-boer');
    const result = await importDocument(executor.repository, mesoCtx(), next);
    expect(result).toMatchObject({ status: 200, alreadyImported: false });

    const [episode, ...others] = await zorgtrajectenOf(aanmelding.task);
    expect(others).toHaveLength(0);
    expect(episode.id).toBe(extended.id);
    expect(episode.referralRequest?.map((r) => r.reference)).toEqual([aanmelding.request]);
    const team = await currentOf<CareTeam>(db, teamRef);
    expect(team.name).toBe('MESO-team Wolters (herzien)');
    expect(roleCodes(team, VVT_ORG)).toEqual(['REF']);
    // The document's members come first and the one it dropped is gone; the VVT stays.
    expect(memberRoles(team)).toHaveLength(next.team.members.length);
    expect(members(team).at(-1)).toBe(VVT_ORG);
    await expectExportOf(next);

    const before = await versionCount(db);
    expect(await importDocument(executor.repository, mesoCtx(), next)).toMatchObject({
      alreadyImported: true,
    });
    expect(await versionCount(db)).toBe(before);
  });

  it('an aanmelding accepted while the first version is imported still leaves one zorgtraject', async () => {
    const doc = documentFor('zbp-adopt-3', '999970069');
    const aanmelding = await referral(doc.client.bsn);
    const received = await move(aanmelding.task, 'received');
    await Promise.all([
      importDocument(executor.repository, mesoCtx('race'), doc),
      move(received, 'accepted'),
    ]);
    const episodes = await zorgtrajectenOf(aanmelding.task);
    expect(episodes).toHaveLength(1);
    expect(ownedBy(episodes[0], doc)).toBe(true);
    expect(episodes[0].referralRequest?.map((r) => r.reference)).toEqual([aanmelding.request]);
    expect(members(await currentOf<CareTeam>(db, episodes[0].team?.[0]?.reference as string))).toContain(
      VVT_ORG,
    );
  });

  it('a new version keeps the behandelnetwerk an accepted escalation added, and its ServiceRequest', async () => {
    const doc = documentFor('zbp-adopt-4', '999970070');
    await importDocument(executor.repository, mesoCtx(), doc);
    const escalation = await referral(doc.client.bsn, 'escalatie-advies', MESO, NETWORK);
    await accept(escalation.task, network);
    const next = structuredClone(doc);
    next.document.version = 2;
    next.team.name = 'MESO-team Wolters (met netwerk)';
    await importDocument(executor.repository, mesoCtx(), next);
    const [episode, ...others] = await zorgtrajectenOf(escalation.task);
    expect(others).toHaveLength(0);
    expect(episode.referralRequest?.map((r) => r.reference)).toEqual([escalation.request]);
    const team = await currentOf<CareTeam>(db, episode.team?.[0]?.reference as string);
    expect(team.name).toBe(next.team.name);
    expect(roleCodes(team, NETWORK_ORG)).toEqual(['CON']);
    expect(memberRoles(team)).toHaveLength(next.team.members.length);
    await expectExportOf(next);
  });
});
