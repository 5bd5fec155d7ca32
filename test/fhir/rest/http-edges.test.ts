import http from 'node:http';
import net from 'node:net';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../../support/test-server';
import { newFromExample } from '../../support/fixtures';
import { sealCursor, searchFingerprint } from '../../../src/fhir/search/cursor';

/** HTTP-level edges of issue 8: bad input answered with a precise 4xx OperationOutcome, never a 5xx. */
let server: TestServer;
let auth: string;
let patientId: string;

const JSON_TYPE = 'application/fhir+json';

async function call(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown; res: Response }> {
  const res = await fetch(path.startsWith('http') ? path : `${server.baseUrl}/${path}`, {
    ...init,
    headers: { Authorization: auth, ...(init.headers as Record<string, string>) },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // XML or empty
  }
  return { status: res.status, body, res };
}

function expectIssue(body: unknown, diagnostics: RegExp, expression?: string): void {
  const outcome = body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].diagnostics).toMatch(diagnostics);
  if (expression) expect(outcome.issue[0].expression).toEqual([expression]);
}

const patient = (family: string): Patient => {
  const p = newFromExample<Patient>('nl-core-Patient-01');
  return { ...p, identifier: undefined, name: [{ family, given: ['Jan'] }] };
};

beforeAll(async () => {
  server = await startTestServer();
  auth = await server.authHeader('admin');
  for (const family of ['Aa', 'Bb', 'Cc']) {
    const created = await call('Patient', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify(patient(family)),
    });
    expect(created.status).toBe(201);
    patientId = (created.body as Patient).id as string;
  }
});
afterAll(() => server.close());

describe('paging cursors (issue 8 §2)', () => {
  it('refuses a forged search cursor with 400 on _cursor', async () => {
    const q = searchFingerprint('Patient', [['_sort', '_lastUpdated']]);
    const unsigned = Buffer.from(JSON.stringify({ d: 'n', v: ['x', "'; DROP"], q })).toString('base64url');
    for (const cursor of [unsigned, sealCursor(Buffer.alloc(32), { d: 'n', v: ['x', 'y'], q }), 'a.b.c']) {
      const { status, body } = await call(`Patient?_sort=_lastUpdated&_count=1&_cursor=${cursor}`);
      expect(status).toBe(400);
      expectIssue(body, /restart from the first page/, '_cursor');
    }
  });

  it('signs the history cursor too: a number typed by hand is refused, the link works', async () => {
    const first = await call('Patient/_history?_count=1');
    const next = (first.body as Bundle).link?.find((l) => l.relation === 'next')?.url as string;
    expect(new URL(next).searchParams.get('_cursor')).toMatch(/\./);
    expect((await call(next)).status).toBe(200);
    const { status, body } = await call('Patient/_history?_count=1&_cursor=99999999999999999999999');
    expect(status).toBe(400);
    expectIssue(body, /restart from the first page/, '_cursor');
    // Another history's cursor does not fit here.
    const other = await call(
      `Patient/${patientId}/_history?_count=1&_cursor=${new URL(next).searchParams.get('_cursor')}`,
    );
    expect(other.status).toBe(400);
  });

  it('keeps _format in search and history paging links: page 2 of an XML search is XML', async () => {
    for (const path of ['Patient?_count=1&_format=xml', 'Patient/_history?_count=1&_format=xml']) {
      const first = await call(path);
      expect(first.res.headers.get('content-type')).toMatch(/fhir\+xml/);
      const next = /<link><relation value="next"\/><url value="([^"]+)"\/><\/link>/.exec(
        first.body as string,
      )?.[1];
      expect(next).toBeDefined();
      const second = await call((next as string).replace(/&amp;/g, '&'));
      expect(second.status).toBe(200);
      expect(second.res.headers.get('content-type')).toMatch(/fhir\+xml/);
    }
  });
});

describe('vread of a version beyond int4 (issue 8 §2)', () => {
  it.each(['99999999999', '2147483648', '1e3', '0', '-1'])('answers 404 for version %s', async (version) => {
    const { status, body } = await call(`Patient/${patientId}/_history/${version}`);
    expect(status).toBe(404);
    expectIssue(body, /not known/);
  });
});

describe('conditional criteria (issue 8 §2)', () => {
  const create = (ifNoneExist: string) =>
    call('Patient', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, 'If-None-Exist': ifNoneExist },
      body: JSON.stringify(patient('Dd')),
    });

  it('answers 400, not 412, for malformed or empty If-None-Exist criteria', async () => {
    for (const criteria of ['%%%', 'family', '_count=1', 'family=%E0%A4%A']) {
      const { status, body } = await create(criteria);
      expect(status).toBe(400);
      expectIssue(body, /If-None-Exist criteria/);
    }
  });

  it('names an unknown parameter', async () => {
    const { status, body } = await create('nonsense=1');
    expect(status).toBe(400);
    expectIssue(body, /nonsense/);
  });

  it('refuses malformed criteria in conditional update and delete too', async () => {
    const update = await call('Patient?family=', {
      method: 'PUT',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify(patient('Ee')),
    });
    expect(update.status).toBe(400);
    const remove = await call('Patient?_count=1', { method: 'DELETE' });
    expect(remove.status).toBe(400);
  });

  it('refuses malformed criteria of a conditional reference in a transaction', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'POST', url: 'Patient', ifNoneExist: '%%%' }, resource: patient('Ff') }],
    };
    const { status, body } = await call('', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify(bundle),
    });
    expect(status).toBe(400);
    expectIssue(body, /%%%/);
  });
});

describe('body charsets and text (issue 8 §2)', () => {
  const post = (body: Buffer | string, contentType: string) =>
    call('Patient', { method: 'POST', headers: { 'Content-Type': contentType }, body });

  it('decodes a Latin-1 body as Latin-1', async () => {
    const json = JSON.stringify(patient('Jos\u00e9'));
    expect([...json].every((c) => c.charCodeAt(0) < 256)).toBe(true);
    const { status, body } = await post(Buffer.from(json, 'latin1'), `${JSON_TYPE}; charset=iso-8859-1`);
    expect(status).toBe(201);
    expect((body as Patient).name?.[0].family).toBe('José');
  });

  it('refuses an unknown charset with 415 and invalid UTF-8 with 400', async () => {
    const json = Buffer.from(JSON.stringify(patient('Jos\u00e9')), 'latin1');
    const unknown = await post(json, `${JSON_TYPE}; charset=x-unknown`);
    expect(unknown.status).toBe(415);
    expectIssue(unknown.body, /x-unknown/);
    const invalid = await post(json, JSON_TYPE);
    expect(invalid.status).toBe(400);
    expectIssue(invalid.body, /not valid utf-8/i);
  });

  it('refuses an unpaired surrogate in a body with 400 and its path', async () => {
    const json = JSON.stringify(patient('PLACEHOLDER')).replace('PLACEHOLDER', 'a\\ud800b');
    const { status, body } = await post(json, JSON_TYPE);
    expect(status).toBe(400);
    expectIssue(body, /unpaired UTF-16 surrogate/, 'Patient.name[0].family');
  });
});

describe('Accept fhirVersion (issue 8 §9)', () => {
  it('answers R4 for fhirVersion=4.0 and 406 for 3.0', async () => {
    expect((await call('Patient', { headers: { Accept: `${JSON_TYPE}; fhirVersion=4.0` } })).status).toBe(
      200,
    );
    const r3 = await call('Patient', { headers: { Accept: `${JSON_TYPE}; fhirVersion=3.0` } });
    expect(r3.status).toBe(406);
    expectIssue(r3.body, /R4/);
  });
});

describe('oversized request headers (issue 8 §2)', () => {
  it('answers 431 with an OperationOutcome', async () => {
    const url = new URL(`${server.baseUrl}/metadata`);
    const { status, type, body } = await new Promise<{ status?: number; type?: string; body: string }>(
      (resolve, reject) => {
        const req = http.get(url, { headers: { 'X-Big': 'x'.repeat(20_000) } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode, type: res.headers['content-type'], body: text }),
          );
        });
        req.on('error', reject);
      },
    );
    expect(status).toBe(431);
    expect(type).toMatch(/fhir\+json/);
    expectIssue(JSON.parse(body), /headers are larger than/);
  });
});

describe('malformed HTTP (issue 8 §2)', () => {
  it('answers 400 with an OperationOutcome, not a bare status line', async () => {
    const { port, hostname } = new URL(server.baseUrl);
    const response = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(response).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/);
    expect(response).toMatch(/Content-Type: application\/fhir\+json/);
    expectIssue(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)), /not valid HTTP/);
  });
});

describe('CapabilityStatement tells the truth (issue 8 §9)', () => {
  it('has an absolute token URL, cors false without CORS_ORIGINS, and includes per type', async () => {
    const { body } = await call('metadata');
    const rest = (body as CapabilityStatement).rest?.[0];
    expect(rest?.security?.cors).toBe(false);
    const token = rest?.security?.extension?.[0].extension?.find((e) => e.url === 'token')?.valueUri;
    expect(token).toBe(`${new URL(server.baseUrl).origin}/auth/token`);
    const carePlan = rest?.resource?.find((r) => r.type === 'CarePlan');
    expect(carePlan?.searchInclude).toEqual(expect.arrayContaining(['CarePlan:subject', 'CarePlan:patient']));
    const patientResource = rest?.resource?.find((r) => r.type === 'Patient');
    expect(patientResource?.searchRevInclude).toEqual(expect.arrayContaining(['CarePlan:subject']));
    // Every advertised include is accepted by search.
    for (const include of [...(carePlan?.searchInclude ?? [])]) {
      expect((await call(`CarePlan?_include=${include}`)).status).toBe(200);
    }
    for (const revinclude of patientResource?.searchRevInclude ?? []) {
      expect((await call(`Patient?_revinclude=${revinclude}`)).status).toBe(200);
    }
  });

  it('with CORS_ORIGINS: answers the preflight and says cors true', async () => {
    // The security settings come from the one config (src/config.ts), like every other setting.
    const corsServer = await startTestServer({
      CORS_ORIGINS: 'https://app.example.nl',
      PUBLIC_URL: 'https://fhir.example.nl',
    });
    try {
      const preflight = await fetch(`${corsServer.baseUrl}/Patient`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://app.example.nl',
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization',
        },
      });
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.nl');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
      const metadata = (await (await fetch(`${corsServer.baseUrl}/metadata`)).json()) as CapabilityStatement;
      expect(metadata.rest?.[0].security?.cors).toBe(true);
      expect(metadata.rest?.[0].security?.extension?.[0].extension?.[0].valueUri).toBe(
        'https://fhir.example.nl/auth/token',
      );
    } finally {
      await corsServer.close();
    }
  });
});
