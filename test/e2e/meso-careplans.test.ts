import fs from 'node:fs';
import type { CarePlan, OperationOutcome } from '@medplum/fhirtypes';
import { projectPath } from '../../src/project-root';
import { normalizeDocument } from '../../src/fhir/meso/normalize';
import { formatDate } from '../../src/fhir/narrative/xhtml';
import type { MesoCarePlanDocument } from '../../src/meso-document/document';
import { startTestServer, type Role, type TestServer } from '../support/test-server';
import { expectOutcome } from '../support/test-server';

/**
 * Issue 10 through the real HTTP server: the MESO team posts its documents to /meso/v1/careplans and reads them
 * back; other organisations are refused; bad input is an OperationOutcome, never a 5xx.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
}, 120_000);
afterAll(() => server.close());

const EXAMPLES = ['eenvoudig', 'escalatie-wilsverklaring', 'elv-episode'] as const;
const example = (name: string): MesoCarePlanDocument =>
  JSON.parse(
    fs.readFileSync(projectPath('examples', 'meso', `${name}.json`), 'utf8'),
  ) as MesoCarePlanDocument;

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function request(
  on: TestServer,
  role: Role | undefined,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (role) headers.Authorization = await on.authHeader(role);
  if (body !== undefined) headers['Content-Type'] = contentType;
  const res = await fetch(`${on.service.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const call = (role: Role | undefined, method: string, path: string, body?: string, contentType?: string) =>
  request(server, role, method, path, body, contentType);

const diagnostics = (body: unknown) =>
  (body as OperationOutcome).issue.map((i) => i.diagnostics ?? '').join('\n');

// Each example on a service of its own: the examples share organisations and professionals, and a shared
// resource keeps what another document said of it (merged, see README), which a GET then reports too.
describe.each(EXAMPLES)('POST and GET /meso/v1/careplans with %s (needs the sections mapped)', (name) => {
  let own: TestServer;
  beforeAll(async () => {
    own = await startTestServer();
  }, 120_000);
  afterAll(() => own.close());

  it('imports it once (201), again changes nothing (200), and GET gives it back', async () => {
    const call = (role: Role, method: string, path: string, body?: string) =>
      request(own, role, method, path, body);
    const doc = example(name);
    const id = doc.document.id;
    const first = await call('meso-team', 'POST', '/meso/v1/careplans', JSON.stringify(doc));
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/meso/v1/careplans/${id}`);
    expect(first.headers.get('content-location')).toMatch(/^\/fhir\/CarePlan\/[A-Za-z0-9.-]+$/);
    expectOutcome(first.body, 'informational', /aangemaakt \d+, bijgewerkt 0, beëindigd 0, ongewijzigd \d+/);
    expect(diagnostics(first.body)).toContain(first.headers.get('content-location')?.replace('/fhir/', ''));

    const again = await call('meso-team', 'POST', '/meso/v1/careplans', JSON.stringify(doc));
    expect(again.status).toBe(200);
    expectOutcome(again.body, 'informational', /aangemaakt 0, bijgewerkt 0, beëindigd 0/);
    expect(again.headers.get('content-location')).toBe(first.headers.get('content-location'));

    const back = await call('meso-team', 'GET', `/meso/v1/careplans/${id}`);
    expect(back.status).toBe(200);
    expect(back.body).toEqual(normalizeDocument(doc));

    // The plan as a GP reads it: a Dutch summary of the whole document, written in the import's transaction.
    const plan = await call('meso-team', 'GET', first.headers.get('content-location') as string);
    const div = (plan.body as CarePlan).text?.div ?? '';
    const regie = doc.team.members.find((m) => m.id === doc.trajectory.regiebehandelaar);
    expect(div).toContain(regie?.professional.name.ownName);
    const [goal] = [...(doc.goals?.now ?? []), ...(doc.goals?.later ?? [])];
    expect(div).toContain(escapeXml(goal.description));
    expect(div).toContain(formatDate(doc.evaluation.nextEvaluationDate));
  });
});

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('refusals and bad input are OperationOutcomes', () => {
  const doc = JSON.stringify(example('eenvoudig'));

  it('a GP system may not post or fetch MESO documents (403)', async () => {
    const post = await call('gp', 'POST', '/meso/v1/careplans', doc);
    expect(post.status).toBe(403);
    expectOutcome(post.body, 'forbidden', /MESO teams only/);
    const get = await call('vvt', 'GET', '/meso/v1/careplans/zbp-2026-0101');
    expect(get.status).toBe(403);
  });

  it('without a token: 401', async () => {
    const res = await call(undefined, 'POST', '/meso/v1/careplans', doc);
    expect(res.status).toBe(401);
    expectOutcome(res.body, 'login');
  });

  it('wrong content type (415), malformed JSON (400), an empty body (400)', async () => {
    const xml = await call('meso-team', 'POST', '/meso/v1/careplans', '<plan/>', 'application/xml');
    expect(xml.status).toBe(415);
    expectOutcome(xml.body, 'not-supported', /application\/json/);
    const broken = await call('meso-team', 'POST', '/meso/v1/careplans', '{"schemaVersion": ');
    expect(broken.status).toBe(400);
    expectOutcome(broken.body, 'structure', /not valid JSON/);
    const empty = await call('meso-team', 'POST', '/meso/v1/careplans', '');
    expect(empty.status).toBe(400);
  });

  it('an invalid document: 422 with JSON pointers as expression, nothing stored', async () => {
    const invalid = example('eenvoudig');
    invalid.document.id = 'zbp-e2e-invalid';
    invalid.client.bsn = '123456789';
    const res = await call('meso-team', 'POST', '/meso/v1/careplans', JSON.stringify(invalid));
    expect(res.status).toBe(422);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue.flatMap((i) => i.expression ?? [])).toContain('/client/bsn');
    expect((await call('meso-team', 'GET', '/meso/v1/careplans/zbp-e2e-invalid')).status).toBe(404);
  });

  it('an unknown document: 404; an unknown path: 404; another method: 405', async () => {
    const unknown = await call('meso-team', 'GET', '/meso/v1/careplans/zbp-bestaat-niet');
    expect(unknown.status).toBe(404);
    expectOutcome(unknown.body, 'not-found', /zbp-bestaat-niet/);
    expect((await call('meso-team', 'GET', '/meso/v1/elders')).status).toBe(404);
    expect((await call('meso-team', 'DELETE', '/meso/v1/careplans/zbp-2026-0101')).status).toBe(405);
  });

  it('a body over the size limit: 413', async () => {
    const huge = JSON.stringify({ padding: 'x'.repeat(12 * 1024 * 1024) });
    const res = await call('meso-team', 'POST', '/meso/v1/careplans', huge);
    expect(res.status).toBe(413);
    expectOutcome(res.body, 'too-costly');
  });
});
