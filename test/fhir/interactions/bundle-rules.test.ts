import type { Bundle, BundleEntry, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { createBundleProcessor } from '../../../src/fhir/interactions/bundle-processor';
import type { Executor } from '../../../src/fhir/interactions/execute';
import type { FhirRequest } from '../../../src/fhir/interactions/fhir-request';
import type { RequestContext } from '../../../src/kernel/request-context';
import { startTestServer, type TestServer } from '../../support/test-server';
import { newFromExample } from '../../support/fixtures';

let server: TestServer;
let auth: string;

beforeAll(async () => {
  server = await startTestServer({ MAX_BUNDLE_ENTRIES: '4' });
  auth = await server.authHeader('admin');
});
afterAll(() => server.close());

type Answer = Bundle & Pick<OperationOutcome, 'issue'>;

async function post(bundle: Bundle): Promise<{ status: number; body: Answer }> {
  const res = await fetch(server.baseUrl, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

const patient = (id?: string): Patient => ({ ...newFromExample<Patient>('nl-core-Patient-01'), id });
const bundle = (type: 'transaction' | 'batch', entry: BundleEntry[]): Bundle => ({
  resourceType: 'Bundle',
  type,
  entry,
});
const expressions = (outcome: Pick<OperationOutcome, 'issue'>) =>
  outcome.issue.flatMap((i) => i.expression ?? []);

describe('Bundle limits and transaction rules (R4 http.html#trules)', () => {
  it('refuses a Bundle above MAX_BUNDLE_ENTRIES with 413 naming the limit', async () => {
    const get = { request: { method: 'GET' as const, url: 'Patient?_count=1' } };
    const { status, body } = await post(bundle('batch', [get, get, get, get, get]));
    expect(status).toBe(413);
    expect(body.issue[0].diagnostics).toMatch(/5 entries.*at most 4 \(MAX_BUNDLE_ENTRIES\).*Split/);
  });

  it('refuses duplicate fullUrls with 400 naming both entries', async () => {
    const url = 'urn:uuid:0b6c6a8e-0000-4000-8000-000000000001';
    const { status, body } = await post(
      bundle('transaction', [
        { fullUrl: url, resource: patient(), request: { method: 'POST', url: 'Patient' } },
        { fullUrl: url, resource: patient(), request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    expect(status).toBe(400);
    expect(expressions(body)).toEqual(['Bundle.entry[0].fullUrl', 'Bundle.entry[1].fullUrl']);
  });

  it('refuses a transaction that PUTs the same resource twice, and stores nothing', async () => {
    const { status, body } = await post(
      bundle('transaction', [
        { resource: patient('twice-1'), request: { method: 'PUT', url: 'Patient/twice-1' } },
        { request: { method: 'GET', url: 'Patient?_count=1' } },
        { resource: patient('twice-1'), request: { method: 'PUT', url: 'Patient/twice-1' } },
      ]),
    );
    expect(status).toBe(400);
    expect(expressions(body)).toEqual(['Bundle.entry[0].request.url', 'Bundle.entry[2].request.url']);
    const read = await fetch(`${server.baseUrl}/Patient/twice-1`, { headers: { Authorization: auth } });
    expect(read.status).toBe(404);
  });

  it('refuses a transaction that deletes and updates the same resource', async () => {
    const { status } = await post(
      bundle('transaction', [
        { request: { method: 'DELETE', url: 'Patient/twice-2' } },
        { resource: patient('twice-2'), request: { method: 'PUT', url: 'Patient/twice-2' } },
      ]),
    );
    expect(status).toBe(400);
  });

  it('refuses a transaction whose conditional delete resolves to a resource another entry updates', async () => {
    const stored = await post(
      bundle('transaction', [
        { resource: patient('cond-1'), request: { method: 'PUT', url: 'Patient/cond-1' } },
      ]),
    );
    expect(stored.status).toBe(200);
    const { status, body } = await post(
      bundle('transaction', [
        { resource: patient('cond-1'), request: { method: 'PUT', url: 'Patient/cond-1' } },
        { request: { method: 'DELETE', url: 'Patient?_id=cond-1' } },
      ]),
    );
    expect(status).toBe(400);
    expect(body.issue[0].diagnostics).toMatch(/Entries 0 and 1 both change Patient\/cond-1/);
  });

  it('answers a PATCH entry of a batch alone with 405 and processes the others', async () => {
    const { status, body } = await post(
      bundle('batch', [
        { resource: patient('batch-1'), request: { method: 'PUT', url: 'Patient/batch-1' } },
        { request: { method: 'PATCH', url: 'Patient/batch-1' } },
        { request: { method: 'GET', url: 'Patient/batch-1' } },
      ]),
    );
    expect(status).toBe(200);
    const [put, patch, get] = body.entry ?? [];
    expect(put.response?.status).toBe('201 Created');
    expect(patch.response?.status).toBe('405');
    expect((patch.response?.outcome as OperationOutcome).issue[0].diagnostics).toMatch(/Entry 1: PATCH/);
    expect(get.response?.status).toBe('200 OK');
  });

  it('fails a whole transaction with a PATCH entry (405), naming the entry', async () => {
    const { status, body } = await post(
      bundle('transaction', [
        { resource: patient('tx-patch'), request: { method: 'PUT', url: 'Patient/tx-patch' } },
        { request: { method: 'PATCH', url: 'Patient/tx-patch' } },
      ]),
    );
    expect(status).toBe(405);
    expect(expressions(body)).toEqual(['Bundle.entry[1].request']);
  });
});

describe('reads inside a transaction see its writes', () => {
  it('GET and vread after a PUT in the same transaction answer 200 with the new resource', async () => {
    const { status, body } = await post(
      bundle('transaction', [
        { request: { method: 'GET', url: 'Patient/probe-1' } },
        { request: { method: 'GET', url: 'Patient/probe-1/_history/1' } },
        { request: { method: 'GET', url: 'Patient/probe-1/_history' } },
        { resource: patient('probe-1'), request: { method: 'PUT', url: 'Patient/probe-1' } },
      ]),
    );
    expect(status).toBe(200);
    const [read, vread, history] = body.entry ?? [];
    expect(read.response?.status).toBe('200 OK');
    expect(read.resource?.id).toBe('probe-1');
    expect(vread.resource?.meta?.versionId).toBe('1');
    expect((history.resource as Bundle).entry?.map((e) => e.resource?.id)).toEqual(['probe-1']);
  });
});

describe('a transaction past its processing deadline', () => {
  it('stops with 503 and rolls back instead of finishing late', async () => {
    const executed: string[] = [];
    const executor = {
      repository: {
        withTransaction: (fn: (repo: unknown) => unknown) => fn({ expectWrites: () => undefined }),
      },
      withRepository: () => executor,
      execute: async (_ctx: RequestContext, req: FhirRequest) => {
        executed.push(req.id as string);
        return { status: 200 };
      },
    } as unknown as Executor;
    const ctx: RequestContext = { requestId: 'r', baseUrl: 'http://x/fhir', deadline: Date.now() - 1 };
    const processing = createBundleProcessor({ maxEntries: 10 }).process(
      ctx,
      bundle('transaction', [{ request: { method: 'GET', url: 'Patient/a' } }]),
      executor,
    );
    await expect(processing).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    expect(executed).toEqual([]);
  });
});
