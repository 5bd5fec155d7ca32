import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, EpisodeOfCare, Patient, Resource } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../support/test-server';
import { searchableParams } from '../../src/fhir/search/registry';
import { SUPPORTED_TYPES } from '../../src/kernel/resource-types';
import { BSN, asSeenBy } from './e2e-helpers';
import { ResourceValidator } from '../../src/fhir/validation/validator';

/**
 * Issue 8 §8: the regional platform (demo-platform-drenthe, identifiable: false) gets pseudonymised data on
 * every path. This suite walks every response such a client can get on the demo data and looks for anything
 * that identifies a person; then checks that the pseudonyms link up and can be used in follow-up requests.
 */
let server: TestServer;
let platformAuth: string;
let adminAuth: string;

/** Everything that identifies a person in the demo data, gathered from the data itself. */
interface Secrets {
  bsns: string[];
  names: string[];
  streets: string[];
  birthDates: string[];
  phones: string[];
  postcodes: string[];
  /** Real ids, read from the store by the admin client (they are assigned by the server). */
  personIds: string[];
}
const secrets: Secrets = {
  bsns: [],
  names: [],
  streets: [],
  birthDates: [],
  phones: [],
  postcodes: [],
  personIds: [],
};
const responses: Array<{ url: string; status: number; text: string }> = [];

const demo = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../examples/demo-data.json'), 'utf8'),
) as Bundle;

function collect(node: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => collect(n, visit));
  else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    Object.values(node).forEach((n) => collect(n, visit));
  }
}

function gatherSecrets(): void {
  collect(demo, (o) => {
    if (o.system === BSN && typeof o.value === 'string') secrets.bsns.push(o.value);
  });
  for (const entry of demo.entry ?? []) {
    const r = entry.resource as Patient;
    if (r.resourceType !== 'Patient' && r.resourceType !== 'RelatedPerson') continue;
    for (const n of r.name ?? []) secrets.names.push(...(n.given ?? []), ...(n.family ?? '').split(/[- ]/));
    for (const a of r.address ?? []) {
      secrets.streets.push(...(a.line ?? []));
      if (a.postalCode) secrets.postcodes.push(a.postalCode);
    }
    collect(r.address, (o) => {
      if (String(o.url).endsWith('ADXP-streetName')) secrets.streets.push(o.valueString as string);
    });
    for (const t of r.telecom ?? []) if (t.value) secrets.phones.push(t.value);
    if (r.birthDate) secrets.birthDates.push(r.birthDate);
  }
  secrets.names = [...new Set(secrets.names.filter((n) => n.length >= 3))];
}

async function get(url: string, auth = platformAuth, accept = 'application/fhir+json') {
  const full = url.startsWith('http') ? url : `${server.baseUrl}/${url}`;
  const res = await fetch(full, { headers: { Authorization: auth, Accept: accept } });
  const text = await res.text();
  if (auth === platformAuth)
    responses.push({ url: full, status: res.status, text: text + (res.headers.get('location') ?? '') });
  expect({ url: full, status: res.status < 500 ? 'ok' : text }).toEqual({ url: full, status: 'ok' });
  return {
    status: res.status,
    text,
    json: accept.includes('json') && text ? (JSON.parse(text) as Resource) : undefined,
  };
}

const bundleOf = async (url: string) => (await get(url)).json as Bundle;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true', LOG_LEVEL: 'error' });
  [platformAuth, adminAuth] = await Promise.all([server.authHeader('platform'), server.authHeader('admin')]);
  gatherSecrets();
  for (const type of ['Patient', 'RelatedPerson']) {
    const bundle = (await get(`${type}?_count=100`, adminAuth)).json as Bundle;
    secrets.personIds.push(...(bundle.entry ?? []).map((e) => e.resource?.id as string));
  }
});
afterAll(() => server.close());

/** Every secret of the demo data found in these responses, as `kind "value" in url`. */
function leaksIn(list: typeof responses): string[] {
  const forbidden: Array<[string, string[]]> = [
    ['BSN', secrets.bsns],
    ['name', secrets.names],
    ['street', secrets.streets],
    ['birth date', secrets.birthDates],
    ['phone', secrets.phones],
    ['postcode', secrets.postcodes],
    ['real id', secrets.personIds],
  ];
  const leaks: string[] = [];
  for (const { url, text } of list)
    for (const [kind, values] of forbidden)
      for (const value of values) {
        // A request that sends a real id (on purpose, to see it refused) may see it echoed in its self link.
        if (url.includes(value)) continue;
        const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        if (new RegExp(`(^|[^A-Za-z0-9])${escaped}($|[^A-Za-z0-9])`).test(text))
          leaks.push(`${kind} "${value}" in ${url}`);
      }
  return leaks;
}

const PLATFORM_TYPES = [
  'Patient',
  'EpisodeOfCare',
  'CareTeam',
  'Task',
  'ServiceRequest',
  'Organization',
  'Practitioner',
  'PractitionerRole',
];
const referenceParams = (type: string) => searchableParams(type).filter((p) => p.type === 'reference');
const fullUrlsOf = (bundle: Bundle | undefined) =>
  (bundle?.entry ?? []).flatMap((e) => (e.fullUrl ? [e.fullUrl] : []));
const nextOf = (bundle: Bundle | undefined) => bundle?.link?.find((l) => l.relation === 'next')?.url;

/** Every search (with every _include and _revinclude), read, vread, history and XML variant the platform can do. */
async function walkEverything(): Promise<void> {
  const seen = new Set<string>();
  for (const type of SUPPORTED_TYPES) await get(`${type}?_count=100`);
  for (const type of PLATFORM_TYPES) {
    fullUrlsOf(await bundleOf(`${type}?_count=100`)).forEach((u) => seen.add(u));
    for (const p of referenceParams(type))
      fullUrlsOf(await bundleOf(`${type}?_include=${type}:${p.code}`)).forEach((u) => seen.add(u));
    for (const source of PLATFORM_TYPES)
      for (const p of referenceParams(source).filter((q) => q.targets.includes(type)))
        fullUrlsOf(await bundleOf(`${type}?_revinclude=${source}:${p.code}`)).forEach((u) => seen.add(u));
    await get(`${type}?_count=100`, platformAuth, 'application/fhir+xml');
    await get(`${type}/_history?_count=100`);
  }
  for (const iterate of [
    'EpisodeOfCare?_include=EpisodeOfCare:patient&_include:iterate=Patient:general-practitioner',
    'Patient?_revinclude=EpisodeOfCare:patient&_revinclude:iterate=Task:focus&_include:iterate=EpisodeOfCare:team',
    'CareTeam?_include=CareTeam:participant&_include=CareTeam:subject&_revinclude=EpisodeOfCare:team',
  ])
    fullUrlsOf(await bundleOf(iterate)).forEach((u) => seen.add(u));
  await get('_history?_count=100');
  await get('_history?_count=100', platformAuth, 'application/fhir+xml');
  for (const url of seen) {
    await get(url);
    await get(`${url}/_history`);
    await get(`${url}/_history/1`);
    await get(url, platformAuth, 'application/fhir+xml');
  }
  // Paging: every page, one patient at a time.
  let next: string | undefined = 'Patient?_count=1&_include=Patient:general-practitioner';
  for (let i = 0; next && i < 10; i++) next = nextOf(await bundleOf(next));
  next = 'EpisodeOfCare/_history?_count=1';
  for (let i = 0; next && i < 10; i++) next = nextOf(await bundleOf(next));
}

describe('a non-identifiable client (the regional platform) on the demo data', () => {
  let patients: Patient[];

  beforeAll(async () => {
    await walkEverything();
    patients = ((await bundleOf('Patient?_count=100')).entry ?? []).map((e) => e.resource as Patient);
  });

  it('gets no BSN, name, street, phone, postcode, date of birth or real person id in any response', () => {
    expect(responses.length).toBeGreaterThan(250);
    expect(secrets.bsns.length).toBeGreaterThanOrEqual(3);
    expect(secrets.names.length).toBeGreaterThan(5);
    expect(leaksIn(responses)).toEqual([]);
  });

  it('gets pseudonymised patients: BSN pseudonym, year of birth, municipality and 4-digit postcode', () => {
    expect(patients).toHaveLength(3);
    for (const p of patients) {
      expect(p.identifier).toEqual([
        expect.objectContaining({
          system: 'https://meso-zorg.nl/fhir/NamingSystem/pseudonym-bsn',
          value: expect.any(String),
        }),
      ]);
      expect(p.birthDate).toMatch(/^\d{4}$/);
      expect(p.address?.[0]).toEqual(
        expect.objectContaining({ city: expect.any(String), postalCode: expect.stringMatching(/^\d{4}$/) }),
      );
      expect(p.name).toBeUndefined();
      expect(p.telecom).toBeUndefined();
      expect(p.meta?.security).toEqual(
        expect.arrayContaining([expect.objectContaining({ code: 'PSEUDED' })]),
      );
      expect(p.id?.length).toBeLessThanOrEqual(64);
    }
  });

  // Pseudonymised output is still what its meta.profile says: the platform can validate what it receives.
  it('gets resources that still conform to their declared profiles', async () => {
    const validator = await ResourceValidator.load();
    const received = responses
      .filter((r) => r.status === 200 && r.text.startsWith('{'))
      .flatMap(({ text }) => {
        const body = JSON.parse(text.replace(/}[^}]*$/, '}')) as Resource;
        return body.resourceType === 'Bundle'
          ? ((body as Bundle).entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []))
          : [body];
      })
      .filter((r) => r.resourceType !== 'OperationOutcome' && r.resourceType !== 'Bundle');
    expect(received.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const r of received) {
      for (const i of validator.validate(r).filter((x) => x.severity === 'error'))
        failures.push(`${r.resourceType}/${r.id}: ${i.expression?.[0]} ${i.diagnostics}`);
      // The service runs in this process: let it serve its timers (keep-alive) between validations.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(failures).toEqual([]);
  });

  it('sees one pseudonym per person in every response (ids, references, BSN pseudonyms)', async () => {
    const ids = new Set(patients.map((p) => p.id));
    const bsnOf = new Map(patients.map((p) => [p.id, p.identifier?.[0]?.value]));
    const referenced = new Set<string>();
    for (const { text, status } of responses) {
      if (status !== 200 || !text.startsWith('{')) continue;
      collect(JSON.parse(text), (node) => {
        const o = node as Record<string, unknown> & Patient;
        if (typeof o.reference === 'string' && o.reference.startsWith('Patient/'))
          referenced.add(o.reference.slice(8));
        if (o.resourceType === 'Patient' && typeof o.id === 'string') {
          expect(ids).toContain(o.id);
          expect(o.identifier?.[0]?.value).toBe(bsnOf.get(o.id));
        }
      });
    }
    expect(referenced.size).toBeGreaterThan(0);
    for (const id of referenced) expect(ids).toContain(id);
    // The same pseudonym in a second session: stable, not per token.
    const again = await bundleOf('Patient?_count=100');
    expect(new Set(again.entry?.map((e) => e.resource?.id))).toEqual(ids);
  });

  it('can use a pseudonymous id from one response in the next request', async () => {
    const episodes =
      (await bundleOf('EpisodeOfCare?_count=100')).entry?.map((e) => e.resource as EpisodeOfCare) ?? [];
    const episode = episodes[0];
    const pseudo = (episode.patient.reference as string).slice('Patient/'.length);
    const read = await get(`Patient/${pseudo}`);
    expect(read.status).toBe(200);
    expect(read.json?.id).toBe(pseudo);
    const mine = episodes
      .filter((e) => e.patient.reference === `Patient/${pseudo}`)
      .map((e) => e.id)
      .sort();
    for (const value of [pseudo, `Patient/${pseudo}`, `${server.baseUrl}/Patient/${pseudo}`]) {
      const bundle = await bundleOf(`EpisodeOfCare?patient=${encodeURIComponent(value)}`);
      expect(bundle.entry?.map((e) => e.resource?.id).sort()).toEqual(mine);
      expect(bundle.link?.[0].url).toContain(encodeURIComponent(value).replace(/%2F/g, '%2F'));
    }
    // The same through fhir-kit-client, paging included.
    const client = await server.client('platform');
    expect(((await client.read({ resourceType: 'Patient', id: pseudo })) as unknown as Patient).id).toBe(
      pseudo,
    );
    const first = (await client.search({
      resourceType: 'EpisodeOfCare',
      searchParams: { patient: pseudo, _count: '1' },
    })) as unknown as Bundle;
    const pages = [first];
    for (let page = first; page.link?.some((l) => l.relation === 'next'); pages.push(page))
      page = (await client.nextPage({ bundle: page as never })) as unknown as Bundle;
    expect(pages.flatMap((b) => b.entry?.map((e) => e.resource?.id) ?? []).sort()).toEqual(mine);
    const byId = await bundleOf(`Patient?_id=${pseudo}`);
    expect(byId.entry?.map((e) => e.resource?.id)).toEqual([pseudo]);
    const vread = await get(`Patient/${pseudo}/_history/1`);
    expect(vread.status).toBe(200);
    const batch = await fetch(`${server.baseUrl}`, {
      method: 'POST',
      headers: { Authorization: platformAuth, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `Patient/${pseudo}` } },
          { request: { method: 'GET', url: `EpisodeOfCare?patient=${pseudo}` } },
          { request: { method: 'GET', url: `Patient/${secrets.personIds[0]}` } },
        ],
      }),
    });
    const text = await batch.text();
    responses.push({ url: 'batch', status: batch.status, text });
    const result = JSON.parse(text) as Bundle;
    expect(result.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '200 OK', '404']);
    expect(result.entry?.[0].resource?.id).toBe(pseudo);
    expect(text).not.toContain(secrets.personIds[0]);
  });

  it('cannot use real ids or forged pseudonyms: 404 or nothing found, never an error', async () => {
    const realId = secrets.personIds[0];
    const guessed = await get(`Patient/${realId}`);
    expect(guessed.status).toBe(404);
    // The answer must not turn a guessed real id into its pseudonym either.
    expect(guessed.text).not.toContain(asSeenBy('platform', 'Patient', realId));
    expect((await get(`Patient/${realId}/_history`)).status).toBe(404);
    const pseudo = patients[0].id as string;
    const forged = `${pseudo.slice(0, -1)}${pseudo.endsWith('A') ? 'B' : 'A'}`;
    expect((await get(`Patient/${forged}`)).status).toBe(404);
    expect((await get(`Patient/not-a-pseudonym`)).status).toBe(404);
    for (const value of [realId, `Patient/${realId}`, forged]) {
      const bundle = await bundleOf(`EpisodeOfCare?patient=${encodeURIComponent(value)}`);
      expect(bundle.entry ?? []).toEqual([]);
      expect(JSON.stringify(bundle)).not.toContain(asSeenBy('platform', 'Patient', realId));
    }
    expect((await bundleOf(`Patient?_id=${realId}`)).entry ?? []).toEqual([]);
  });

  it('is refused searches on data it does not receive (BSN, names, full birth dates)', async () => {
    const bsn = secrets.bsns[0];
    for (const query of [
      `Patient?identifier=${BSN}|${bsn}`,
      `Patient?identifier=${bsn}`,
      `EpisodeOfCare?patient.identifier=${BSN}|${bsn}`,
      `EpisodeOfCare?patient:identifier=${BSN}|${bsn}`,
      `Patient?name=${secrets.names[0]}`,
      `Patient?family=${secrets.names[0]}`,
      `EpisodeOfCare?patient.name=${secrets.names[0]}`,
      `Patient?birthdate=${secrets.birthDates[0]}`,
      `Patient?address=${encodeURIComponent(secrets.streets[0])}`,
      `Patient?_sort=family`,
    ]) {
      const res = await get(query);
      expect({ query, status: res.status }).toEqual({ query, status: 403 });
      expect(res.text).toMatch(/OperationOutcome/);
    }
    const byBsn = await get(`Patient?identifier=${BSN}|${bsn}`);
    expect(byBsn.text).toMatch(/pseudonym/);
    expect((await get(`Patient?birthdate=${secrets.birthDates[0].slice(0, 4)}`)).status).toBe(200);
  });

  it('cannot write, nor $validate a stored resource', async () => {
    const send = (method: string, url: string, body: unknown) =>
      fetch(`${server.baseUrl}/${url}`, {
        method,
        headers: { Authorization: platformAuth, 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(body),
      });
    const pseudo = patients[0].id as string;
    expect((await send('POST', 'Patient', { resourceType: 'Patient' })).status).toBe(403);
    expect((await send('PUT', `Patient/${pseudo}`, { ...patients[0] })).status).toBe(403);
    expect(
      (
        await fetch(`${server.baseUrl}/Patient/${pseudo}`, {
          method: 'DELETE',
          headers: { Authorization: platformAuth },
        })
      ).status,
    ).toBe(403);
    const transaction = await send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } }],
    });
    expect(transaction.status).toBe(403);
    expect((await get(`Patient/${pseudo}/$validate`)).status).toBe(403);
  });

  it('leaks nothing in the follow-up requests, refusals and batches either', () => {
    expect(leaksIn(responses)).toEqual([]);
  });

  it('leaves identifiable clients untouched (and the scan does find their secrets)', async () => {
    const real = (await get(`Patient?_count=100`, adminAuth)).json as Bundle;
    const text = JSON.stringify(real);
    const found = leaksIn([{ url: 'admin', status: 200, text }]).map((l) => l.split(' ')[0]);
    expect(new Set(found)).toEqual(new Set(['BSN', 'name', 'street', 'birth', 'phone', 'postcode', 'real']));
    for (const bsn of secrets.bsns.slice(0, 3)) expect(text).toContain(bsn);
    expect(real.entry?.map((e) => e.resource?.id).sort()).toEqual(
      secrets.personIds.filter((id) => text.includes(`"id":"${id}"`)).sort(),
    );
  });
});
