import type { Bundle, Condition, Organization, Patient } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../../support/test-server';
import { newFromExample } from '../../support/fixtures';
import { BSN, ORG_URA, URA } from '../../e2e/e2e-helpers';

let server: TestServer;
let since: string;
const visibleIds: string[] = [];
let otherId: string;
let deletedId: string;
let movedId: string;

async function get(role: 'admin' | 'gp', path: string): Promise<{ status: number; body: Bundle }> {
  const url = path.startsWith('http') ? path : `${server.baseUrl}/${path}`;
  const res = await fetch(url, { headers: { Authorization: await server.authHeader(role) } });
  return { status: res.status, body: (await res.json()) as Bundle };
}

async function send(method: string, path: string, body: unknown): Promise<Patient> {
  const res = await fetch(`${server.baseUrl}/${path}`, {
    method,
    headers: { Authorization: await server.authHeader('admin'), 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? {} : await res.json()) as Patient;
}

/** Follows `next` links to the end; every page as the caller got it. */
async function walk(role: 'admin' | 'gp', path: string): Promise<Bundle[]> {
  const pages: Bundle[] = [];
  let url: string | undefined = path;
  while (url) {
    const { status, body } = await get(role, url);
    expect(status).toBe(200);
    pages.push(body);
    url = body.link?.find((l) => l.relation === 'next')?.url;
  }
  return pages;
}

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  const orgs = await get('admin', `Organization?identifier=${URA}|${ORG_URA.gp}`);
  const gpOrg = orgs.body.entry?.[0]?.resource as Organization;
  since = new Date().toISOString();
  // 5 patients of the GP, buried among 26 of another practice.
  const patient = (n: number, ours: boolean): Patient => {
    // FHIR JSON has no empty arrays: another practice's patient has no generalPractitioner at all.
    const { generalPractitioner: _gp, ...example } = newFromExample<Patient>('nl-core-Patient-01');
    const gp: Patient['generalPractitioner'] = [
      { reference: `Organization/${gpOrg.id}`, type: 'Organization' },
    ];
    return {
      ...example,
      identifier: [{ system: BSN, value: bsnFor(n) }],
      ...(ours ? { generalPractitioner: gp } : {}),
    };
  };
  for (let n = 0; n < 31; n++) {
    const ours = n % 7 === 3 || n === 30;
    const created = await send('POST', 'Patient', patient(n, ours));
    if (ours) visibleIds.push(created.id as string);
    else otherId = created.id as string;
  }
  // A deletion is judged by the content it removed: a problem of the GP's patient, so the GP's.
  const problem = (subject: string): Condition => ({
    ...newFromExample<Condition>('nl-core-Problem-01'),
    subject: { reference: `Patient/${subject}`, type: 'Patient' },
  });
  deletedId = (await send('POST', 'Condition', problem(visibleIds[0]))).id as string;
  await send('DELETE', `Condition/${deletedId}`, undefined);
  // A problem moved to another practice's patient: the GP sees the version about its patient, not the new one.
  movedId = (await send('POST', 'Condition', problem(visibleIds[1]))).id as string;
  await send('PUT', `Condition/${movedId}`, { ...problem(otherId), id: movedId });
}, 120_000);
afterAll(() => server.close());

/** A distinct BSN per n that passes the 11-proef: d9 = (9·d1 + 8·d2 + … + 2·d8) mod 11, which must be a digit. */
function bsnFor(n: number): string {
  for (let k = n * 16; ; k++) {
    const head = `1${String(k).padStart(7, '0')}`.split('').map(Number);
    const check = head.reduce((s, d, i) => s + d * (9 - i), 0) % 11;
    if (check < 10) return `${head.join('')}${check}`;
  }
}

describe('history pages are filtered for access before paging', () => {
  it('a GP polling _history?_since=…&_count=5 gets full pages and no empty page with a next link', async () => {
    // 5 patients, the deleted problem (create and deletion), and the version of the moved one before the move.
    const expected = 5 + 2 + 1;
    const pages = await walk('gp', `_history?_since=${encodeURIComponent(since)}&_count=5`);
    const sizes = pages.map((p) => p.entry?.length ?? 0);
    expect(sizes).toEqual([5, 3]);
    expect(pages[0].total).toBe(expected);
    const seen = pages.flatMap((p) => p.entry ?? []);
    const deletion = seen.find((e) => e.request?.method === 'DELETE');
    expect(deletion?.fullUrl).toMatch(new RegExp(`/Condition/${deletedId}$`));
    const movedVersions = seen.filter((e) => e.fullUrl?.endsWith(`/Condition/${movedId}`));
    expect(movedVersions.map((e) => e.response?.etag)).toEqual(['W/"1"']);
    // The same rule as read: the GP may not read the moved problem any more.
    expect((await get('gp', `Condition/${movedId}`)).status).toBe(403);
  });

  it('type history pages the same way, and only the first page counts the total', async () => {
    const pages = await walk('gp', `Patient/_history?_since=${encodeURIComponent(since)}&_count=2`);
    expect(pages.map((p) => p.entry?.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.total)).toEqual([5, undefined, undefined]);
    const none = await get('gp', `Patient/_history?_since=${encodeURIComponent(since)}&_total=none`);
    expect(none.body.total).toBeUndefined();
  });

  it('GET /_history never starts with an empty page while more exists', async () => {
    const { body } = await get('gp', '_history?_count=3');
    expect(body.entry).toHaveLength(3);
  });
});

describe('bad history parameters', () => {
  it.each([
    ['_since=1', '_since'],
    ['_at=%2B010000-01-01', '_at'],
    ['_cursor=abc', '_cursor'],
    ['_cursor=99999999999999999999999', '_cursor'],
    ['_total=maybe', '_total'],
  ])('%s is refused with 400 naming the parameter', async (query, name) => {
    const res = await fetch(`${server.baseUrl}/_history?${query}`, {
      headers: { Authorization: await server.authHeader('admin') },
    });
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as { issue: Array<{ expression?: string[] }> };
    expect(outcome.issue[0].expression).toEqual([name]);
  });
});

describe('AuditEvents in system history', () => {
  it('are never in it: audit records have no history (search AuditEvent instead); only an admin may ask', async () => {
    const all = await walk('admin', `_history?_since=${encodeURIComponent(since)}&_count=1000`);
    const types = new Set(all.flatMap((p) => p.entry ?? []).map((e) => e.fullUrl?.split('/').at(-2)));
    expect(types).toEqual(new Set(['Patient', 'Condition']));
    const audits = await get('admin', `_history?_type=AuditEvent&_since=${encodeURIComponent(since)}`);
    expect(audits.status).toBe(400);
    expect(JSON.stringify(audits.body)).toMatch(/AuditEvent has no history/);
    expect((await get('admin', 'AuditEvent/_history')).status).toBe(400);
    expect((await get('gp', '_history?_type=AuditEvent')).status).toBe(403);
    expect((await get('gp', '_history?_type=Nonsense')).status).toBe(400);
  });
});
