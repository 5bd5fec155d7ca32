import Client from 'fhir-kit-client';
import type {
  AuditEvent,
  Bundle,
  CarePlan,
  EpisodeOfCare,
  Organization,
  PractitionerRole,
  Task,
} from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import {
  BSN,
  DEMO_ID,
  asSeenBy,
  TRAJECTORY_TYPE,
  URA,
  allPages,
  byDemoId,
  byIdentifier,
  entries,
  idsOf,
  refOf,
  refused,
  resourcesOf,
} from './e2e-helpers';

/**
 * The regional data platform (Regionaal dataplatform Drenthe) searches zorgtraject episodes by period, status,
 * organisation and care manager. Demo data: three episodes (client 1 active since 2026-03-02, client 2 active
 * since 2026-06-01, client 3 finished 2025-05-12..2026-02-27), all managed by the MESO organisation with the SO as
 * care manager. The test adds 12 finished episodes in 2024 with the verpleegkundig specialist as care manager.
 */
let server: TestServer;
let platform: Client;
let admin: Client;
let mesoOrg: Organization;
let vvtOrg: Organization;
let so: PractitionerRole;
let vs: PractitionerRole;
const demo: Record<'one' | 'two' | 'three', EpisodeOfCare> = {} as never;
const extra: EpisodeOfCare[] = [];
const EXTRA = 12;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [platform, admin] = await Promise.all([server.client('platform'), server.client('admin')]);
  mesoOrg = await byIdentifier<Organization>(admin, 'Organization', URA, '90000022');
  vvtOrg = await byIdentifier<Organization>(admin, 'Organization', URA, '90000033');
  so = await byDemoId<PractitionerRole>(admin, 'PractitionerRole', 'specialist-ouderengeneeskunde-role');
  vs = await byDemoId<PractitionerRole>(admin, 'PractitionerRole', 'verpleegkundig-specialist-role');
  demo.one = await byDemoId<EpisodeOfCare>(admin, 'EpisodeOfCare', 'client-1-zorgtraject');
  demo.two = await byDemoId<EpisodeOfCare>(admin, 'EpisodeOfCare', 'client-2-zorgtraject');
  demo.three = await byDemoId<EpisodeOfCare>(admin, 'EpisodeOfCare', 'client-3-zorgtraject');
  // Earlier trajectories of client 3, one per month of 2024: a copy of the stored one with its own period.
  const { id: _id, meta: _meta, text: _text, ...template } = demo.three;
  for (let i = 0; i < EXTRA; i++) {
    const month = String(i + 1).padStart(2, '0');
    const episode: EpisodeOfCare = {
      ...template,
      identifier: [{ system: DEMO_ID, value: `extra-zorgtraject-${month}` }],
      status: 'finished',
      period: { start: `2024-${month}-01`, end: `2024-${month}-20` },
      careManager: { reference: refOf(vs), type: 'PractitionerRole', display: 'Sandra Postma' },
    };
    extra.push(
      (await admin.create({
        resourceType: 'EpisodeOfCare',
        body: episode as never,
      })) as unknown as EpisodeOfCare,
    );
  }
});
afterAll(() => server.close());

const search = async (searchParams: Record<string, string | string[]>, headers?: Record<string, string>) =>
  (await platform.search({
    resourceType: 'EpisodeOfCare',
    searchParams,
    options: headers ? { headers } : {},
  })) as unknown as Bundle;

const matchIds = (bundle: Bundle) => idsOf(resourcesOf(bundle, 'EpisodeOfCare', 'match'));
const ids = (...episodes: EpisodeOfCare[]) => idsOf(episodes);

describe('the platform searches zorgtraject episodes', () => {
  it('by type (the prestatie code) and status', async () => {
    const all = await search({ type: `${TRAJECTORY_TYPE}|zorgtraject-kwetsbare-patienten`, _count: '100' });
    expect(matchIds(all)).toEqual(ids(demo.one, demo.two, demo.three, ...extra));
    const otherType = await search({ type: `${TRAJECTORY_TYPE}|iets-anders` });
    expect(matchIds(otherType)).toEqual([]);

    const active = await search({ status: 'active' });
    expect(matchIds(active)).toEqual(ids(demo.one, demo.two));
    const finished = await search({ status: 'finished', _count: '100' });
    expect(matchIds(finished)).toEqual(ids(demo.three, ...extra));
  });

  it('by period, with overlap semantics for ge and le', async () => {
    // Running on or after 1 March 2026: both active ones (open end); client 3 ended on 27 February.
    expect(matchIds(await search({ date: 'ge2026-03-01' }))).toEqual(ids(demo.one, demo.two));
    // Running on or before 28 February 2026: client 3 and the 2024 ones; the active ones started later.
    expect(matchIds(await search({ date: 'le2026-02-28', _count: '100' }))).toEqual(
      ids(demo.three, ...extra),
    );
    // Overlapping February–March 2026: client 1 (from 2 March) and client 3 (until 27 February).
    expect(matchIds(await search({ date: ['ge2026-02-01', 'le2026-03-31'] }))).toEqual(
      ids(demo.one, demo.three),
    );
    // Overlapping one month of 2024: just that month's trajectory.
    expect(matchIds(await search({ date: ['ge2024-05-10', 'le2024-05-31'] }))).toEqual(ids(extra[4]));
    // Combined with status.
    expect(matchIds(await search({ date: 'ge2026-01-01', status: 'finished' }))).toEqual(ids(demo.three));
  });

  it('by managing organisation and by care manager (the regiebehandelaar)', async () => {
    const managed = await search({ organization: refOf(mesoOrg), _count: '100' });
    expect(matchIds(managed)).toEqual(ids(demo.one, demo.two, demo.three, ...extra));
    expect(matchIds(await search({ organization: refOf(vvtOrg) }))).toEqual([]);

    // careManager is the regiebehandelaar's PractitionerRole (meso-zorgtraject profile).
    expect(matchIds(await search({ 'care-manager': refOf(so) }))).toEqual(
      ids(demo.one, demo.two, demo.three),
    );
    expect(matchIds(await search({ 'care-manager': refOf(vs), _count: '100' }))).toEqual(ids(...extra));
  });

  it('sorts and pages with _count, following the next link to the end', async () => {
    const first = await search({
      organization: refOf(mesoOrg),
      _sort: '-date',
      _count: '5',
      _total: 'accurate',
    });
    expect(first.total).toBe(EXTRA + 3);
    expect(entries(first, 'match')).toHaveLength(5);
    const pages = await allPages(platform, first);
    expect(pages.map((p) => entries(p, 'match').length)).toEqual([5, 5, 5]);
    const episodes = pages.flatMap((p) => resourcesOf<EpisodeOfCare>(p, 'EpisodeOfCare', 'match'));
    expect(idsOf(episodes)).toEqual(ids(demo.one, demo.two, demo.three, ...extra));
    // Latest first. The two running (open-ended) trajectories lead, in either order (a period sorts by its start or
    // by its open end, which ties); then client 3's, then the 2024 ones from December back to January.
    expect(idsOf(episodes.slice(0, 2))).toEqual(ids(demo.one, demo.two));
    expect(episodes.slice(2).map((e) => e.id)).toEqual(
      [demo.three, ...[...extra].reverse()].map((e) => e.id),
    );
    // Every page links to itself; the last has no next.
    for (const page of pages) expect(page.link?.some((l) => l.relation === 'self')).toBe(true);
    expect(pages.at(-1)?.link?.some((l) => l.relation === 'next')).toBe(false);

    const ascending = await search({ status: 'active', _sort: 'date' });
    expect(resourcesOf(ascending, 'EpisodeOfCare', 'match').map((e) => e.id)).toEqual([
      demo.one.id,
      demo.two.id,
    ]);
  });

  it('counts with _summary=count and _total=accurate', async () => {
    const count = await search({ status: 'finished', _summary: 'count' });
    expect(count.total).toBe(EXTRA + 1);
    expect(entries(count)).toHaveLength(0);

    const accurate = await search({ status: 'finished', _total: 'accurate', _count: '2' });
    expect(accurate.total).toBe(EXTRA + 1);
    expect(entries(accurate, 'match')).toHaveLength(2);
  });
});

describe('date against a Period, every prefix as R4 search.html#prefix words it', () => {
  // The 2024 trajectories run from the 1st to the 20th of their month: as a range [MM-01, MM-21).
  const months = async (date: string) =>
    matchIds(await search({ date, 'care-manager': refOf(vs), _count: '100' }));
  const of = (...numbers: number[]) => ids(...numbers.map((n) => extra[n - 1]));
  const range = (from: number, to: number) =>
    of(...Array.from({ length: to - from + 1 }, (_, i) => from + i));

  it('eq and ne: the search range does (not) fully contain the period', async () => {
    expect(await months('eq2024-05')).toEqual(of(5));
    expect(await months('2024-05-10')).toEqual([]);
    expect(await months('ne2024-05')).toEqual(ids(...extra.filter((_, i) => i !== 4)));
  });

  it('gt and lt: the range above or below the search value overlaps the period', async () => {
    expect(await months('gt2024-05-20')).toEqual(range(6, 12));
    expect(await months('gt2024-05-19')).toEqual(range(5, 12));
    expect(await months('lt2024-05-01')).toEqual(range(1, 4));
    expect(await months('lt2024-05-02')).toEqual(range(1, 5));
  });

  it('ge and le: gt or lt, or the search range fully contains the period', async () => {
    // 20 May is the last day of the May trajectory: nothing of it lies above 20 May, nor does 20 May contain it.
    expect(await months('ge2024-05-20')).toEqual(range(6, 12));
    expect(await months('ge2024-05')).toEqual(range(5, 12));
    expect(await months('le2024-05-01')).toEqual(range(1, 4));
    expect(await months('le2024-05')).toEqual(range(1, 5));
    // An open end is ongoing (the spec's "from 21-Jan 2013 onwards"): ge a later day, le only from the day after.
    expect(matchIds(await search({ status: 'active', date: 'ge2030-01-01' }))).toEqual(
      ids(demo.one, demo.two),
    );
    expect(matchIds(await search({ status: 'active', date: 'le2026-03-02' }))).toEqual([]);
    expect(matchIds(await search({ status: 'active', date: 'le2026-03-03' }))).toEqual(ids(demo.one));
  });

  it('sa and eb: the period starts after or ends before the search range', async () => {
    expect(await months('sa2024-05-20')).toEqual(range(6, 12));
    expect(await months('sa2024-04-30')).toEqual(range(5, 12));
    expect(await months('eb2024-05-01')).toEqual(range(1, 4));
    expect(await months('eb2024-05-21')).toEqual(range(1, 5));
  });

  it('ap: the widened search range overlaps the period', async () => {
    const near = await months('ap2024-05-10');
    expect(near).toEqual(expect.arrayContaining(of(5)));
    expect(near).not.toContain(extra[11].id);
  });
});

describe('the platform follows an episode to its patient, team, referrals and plans', () => {
  it('by patient (its pseudonym), and by _lastUpdated', async () => {
    const pseudonym = asSeenBy('platform', 'Patient', (demo.one.patient.reference as string).split('/')[1]);
    expect(matchIds(await search({ patient: `Patient/${pseudonym}` }))).toEqual(ids(demo.one));
    const lastUpdated = extra[0].meta?.lastUpdated as string;
    expect(matchIds(await search({ _lastUpdated: `ge${lastUpdated}`, _count: '100' }))).toEqual(
      ids(...extra),
    );
    expect(matchIds(await search({ _lastUpdated: `lt${lastUpdated}` }))).toEqual(
      ids(demo.one, demo.two, demo.three),
    );
  });

  it('by patient.identifier for an identifiable client; a pseudonymised one is refused (403)', async () => {
    const patient = await admin.read({
      resourceType: 'Patient',
      id: (demo.two.patient.reference as string).split('/')[1],
    });
    const bsn = (patient as { identifier?: Array<{ system?: string; value?: string }> }).identifier?.find(
      (i) => i.system === BSN,
    )?.value as string;
    const byBsn = (await admin.search({
      resourceType: 'EpisodeOfCare',
      searchParams: { 'patient.identifier': `${BSN}|${bsn}` },
    })) as unknown as Bundle;
    expect(matchIds(byBsn)).toEqual(ids(demo.two));
    const refusedSearch = await refused(
      platform.search({
        resourceType: 'EpisodeOfCare',
        searchParams: { 'patient.identifier': `${BSN}|${bsn}` },
      }),
    );
    expect(refusedSearch.status).toBe(403);
  });

  it('_include of patient, team, care manager and managing organisation', async () => {
    const bundle = await search({
      _id: demo.one.id as string,
      _include: [
        'EpisodeOfCare:patient',
        'EpisodeOfCare:team',
        'EpisodeOfCare:care-manager',
        'EpisodeOfCare:organization',
      ],
    });
    expect(matchIds(bundle)).toEqual(ids(demo.one));
    const included = entries(bundle, 'include').map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
    const realPatient = (demo.one.patient.reference as string).split('/')[1];
    expect(included.sort()).toEqual(
      [
        `Patient/${asSeenBy('platform', 'Patient', realPatient)}`,
        demo.one.team?.[0]?.reference as string,
        refOf(so),
        refOf(mesoOrg),
      ].sort(),
    );
  });

  it('_revinclude of the referral Tasks: through the referral (incoming-referral) and Task:focus', async () => {
    const bundle = await search({
      _id: demo.one.id as string,
      _include: 'EpisodeOfCare:incoming-referral',
      '_revinclude:iterate': 'Task:focus',
    });
    const referral = demo.one.referralRequest?.[0]?.reference as string;
    expect(resourcesOf(bundle, 'ServiceRequest', 'include').map(refOf)).toEqual([referral]);
    const tasks = resourcesOf<Task>(bundle, 'Task', 'include');
    expect(tasks.length).toBeGreaterThan(0);
    for (const task of tasks) expect(task.focus?.reference).toBe(referral);
  });

  it('_revinclude of the care plans (CarePlan:episode-of-care); hidden from the platform by its policy', async () => {
    const params = { _id: demo.one.id as string, _revinclude: 'CarePlan:episode-of-care' };
    const forAdmin = (await admin.search({
      resourceType: 'EpisodeOfCare',
      searchParams: params,
    })) as unknown as Bundle;
    const plans = resourcesOf<CarePlan>(forAdmin, 'CarePlan', 'include');
    expect(plans).toHaveLength(1);
    expect(JSON.stringify(plans[0].extension)).toContain(refOf(demo.one));
    expect(resourcesOf(await search(params), 'CarePlan', 'include')).toEqual([]);
  });
});

describe('the platform is refused what it may not do', () => {
  it('cannot search AuditEvent (403)', async () => {
    const searched = await refused(platform.search({ resourceType: 'AuditEvent', searchParams: {} }));
    expect(searched.status).toBe(403);
    expectOutcome(searched.data, 'forbidden');
  });

  it('cannot read an AuditEvent (403)', async () => {
    const events = (await admin.search({
      resourceType: 'AuditEvent',
      searchParams: { _count: '1' },
    })) as unknown as Bundle;
    const event = resourcesOf<AuditEvent>(events, 'AuditEvent')[0];
    expect(event).toBeDefined();
    const read = await refused(platform.read({ resourceType: 'AuditEvent', id: event.id as string }));
    expect(read.status).toBe(403);
    expectOutcome(read.data, 'forbidden');
  });

  it('an unknown parameter is 400 with an OperationOutcome naming it, unless Prefer: handling=lenient', async () => {
    const strict = await refused(
      platform.search({ resourceType: 'EpisodeOfCare', searchParams: { regio: 'drenthe' } }),
    );
    expect(strict.status).toBe(400);
    const outcome = expectOutcome(strict.data, 'not-supported', /regio/);
    expect(
      outcome.issue.some((i) => i.expression?.includes('regio') || /regio/.test(i.diagnostics ?? '')),
    ).toBe(true);

    const lenient = await search({ regio: 'drenthe', status: 'active' }, { Prefer: 'handling=lenient' });
    expect(matchIds(lenient)).toEqual(ids(demo.one, demo.two));
    const self = lenient.link?.find((l) => l.relation === 'self')?.url ?? '';
    expect(self).toContain('status=active');
    expect(self).not.toContain('regio');
  });
});

describe('keyset paging stays stable while episodes are written', () => {
  it('every episode present at the start comes exactly once; one written ahead of the cursor comes too', async () => {
    const { id: _id, meta: _meta, text: _text, ...template } = demo.three;
    const write = async (value: string, period: EpisodeOfCare['period']) =>
      (await admin.create({
        resourceType: 'EpisodeOfCare',
        body: { ...template, identifier: [{ system: DEMO_ID, value }], period } as never,
      })) as unknown as EpisodeOfCare;
    const written: EpisodeOfCare[] = [];
    const seen: string[] = [];
    let page = await search({ organization: refOf(mesoOrg), _sort: '-date', _count: '4' });
    for (let i = 0; i < 10; i++) {
      seen.push(...resourcesOf(page, 'EpisodeOfCare', 'match').map((e) => e.id as string));
      // Between pages: one behind the cursor (ended November 2026: sorts right after the running ones, on the
      // first page) and one ahead of it (2023: after every 2024 episode).
      written.push(await write(`paging-behind-${i}`, { start: '2026-10-01', end: '2026-11-01' }));
      written.push(await write(`paging-ahead-${i}`, { start: `2023-0${(i % 9) + 1}-01`, end: '2023-10-01' }));
      if (!page.link?.some((l) => l.relation === 'next')) break;
      page = (await platform.nextPage({ bundle: page as never })) as unknown as Bundle;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const before = ids(demo.one, demo.two, demo.three, ...extra);
    expect(before.every((id) => seen.includes(id as string))).toBe(true);
    // Written ahead of the cursor before the last page: found.
    expect(seen).toContain(written[1].id);
    // Written behind the cursor: never shows up on a later page.
    const behind = written.filter((_, i) => i % 2 === 0).map((w) => w.id);
    expect(seen.filter((id) => behind.includes(id))).toEqual([]);
    for (const episode of written)
      await admin.delete({ resourceType: 'EpisodeOfCare', id: episode.id as string });
  });
});
