import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import express from 'express';
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JWK,
  type KeyLike,
} from 'jose';
import type { Database } from '../../../src/store/database';
import { buildSecurity, type Security } from '../../../src/http/security/build-security';
import { seedClients, type ClientRecord } from '../../../src/store/clients';
import { FhirError } from '../../../src/kernel/outcome';
import { freshDatabase, testConfig } from '../../security/security-test-support';
import { latestEvent } from '../../audit/audit-support';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface TestClient {
  record: ClientRecord;
  key: KeyLike;
  alg: 'ES384' | 'RS384';
  kid: string;
}

async function testClient(
  clientId: string,
  alg: 'ES384' | 'RS384',
  overrides: Partial<ClientRecord> = {},
): Promise<TestClient> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const kid = `${clientId}-key`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg };
  return {
    key: privateKey,
    alg,
    kid,
    record: {
      clientId,
      name: `Test ${clientId}`,
      organization: { kind: 'gp', name: 'Huisartsenpraktijk De Brink', ura: '90000011' },
      jwks: { keys: [jwk] },
      scopes: ['system/*.rs', 'system/Task.cu'],
      identifiable: false,
      demo: false,
      ...overrides,
    },
  };
}

let db: Database;
let server: http.Server;
let origin: string;
let security: Security;
let productionSecurity: Security;
let gp: TestClient;
let vvtRsa: TestClient;
let demo: TestClient;

/** The security router and a /fhir endpoint that echoes the caller. */
function app(sec: Security): express.Express {
  const a = express();
  a.use(sec.http.publicRouter);
  a.use('/fhir', sec.http.authenticate, sec.http.rateLimit, (_req, res) => {
    res.json({ caller: res.locals.caller ?? null });
  });
  // Stands in for the REST layer's error handler (src/fhir/rest/error-response).
  a.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = err instanceof FhirError ? err.status : 500;
    res
      .status(status)
      .json(
        err instanceof FhirError ? err.toOperationOutcome() : { resourceType: 'OperationOutcome', issue: [] },
      );
  });
  return a;
}

beforeAll(async () => {
  db = await freshDatabase();
  gp = await testClient('test-gp', 'ES384');
  vvtRsa = await testClient('test-vvt', 'RS384', {
    organization: { kind: 'vvt', name: 'Zorggroep Het Drentse Erf', ura: '90000033' },
  });
  demo = await testClient('test-demo', 'ES384', { demo: true });
  await seedClients(db.pool, [gp.record, vvtRsa.record, demo.record]);
  const target: { app?: express.Express } = {};
  server = http.createServer((req, res) => target.app?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Development mode: issuer and audience follow the Host header.
  security = await buildSecurity(db, testConfig());
  productionSecurity = await buildSecurity(db, testConfig({ nodeEnv: 'production', publicUrl: origin }));
  const dev = app(security);
  const prod = app(productionSecurity);
  target.app = express().use('/prod', prod).use(dev);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
});

interface AssertionOptions {
  aud?: string;
  iss?: string;
  sub?: string;
  expIn?: number;
  nbfIn?: number;
  jti?: string;
  claims?: Record<string, unknown>;
  key?: KeyLike | Uint8Array;
  alg?: string;
}

function assertion(client: TestClient, o: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...o.claims })
    .setProtectedHeader({ alg: o.alg ?? client.alg, kid: client.kid, typ: 'JWT' })
    .setIssuer(o.iss ?? client.record.clientId)
    .setSubject(o.sub ?? client.record.clientId)
    .setAudience(o.aud ?? `${origin}/auth/token`)
    .setIssuedAt()
    .setExpirationTime(now + (o.expIn ?? 240))
    .setJti(o.jti ?? randomUUID());
  if (o.nbfIn !== undefined) jwt.setNotBefore(now + o.nbfIn);
  return jwt.sign(o.key ?? client.key);
}

async function token(form: Record<string, string>, path = '/auth/token') {
  const response = await fetch(origin + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const grant = (clientAssertion: string, scope = 'system/*.rs') => ({
  grant_type: 'client_credentials',
  client_assertion_type: JWT_BEARER,
  client_assertion: clientAssertion,
  scope,
});

async function fhir(path: string, accessToken?: string) {
  const response = await fetch(origin + path, {
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('POST /auth/token', () => {
  it('issues an ES384 access token for a valid ES384 assertion, with scopes = requested ∩ allowed', async () => {
    const res = await token(
      grant(await assertion(gp), 'system/CarePlan.cruds system/Task.cu system/Consent.d'),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 300,
      scope: 'system/CarePlan.rs system/Task.cu',
    });
    const header = decodeProtectedHeader(res.body.access_token as string);
    expect(header).toMatchObject({ alg: 'ES384', typ: 'at+jwt' });
    expect(security.keys.jwks().keys.map((k) => k.kid)).toContain(header.kid);
    expect(decodeJwt(res.body.access_token as string)).toMatchObject({
      iss: origin,
      sub: 'test-gp',
      aud: `${origin}/fhir`,
      client_id: 'test-gp',
    });
  });

  it('accepts RS384 assertions', async () => {
    expect((await token(grant(await assertion(vvtRsa)))).status).toBe(200);
  });

  it('carries the acting user from the assertion into the token and the Caller', async () => {
    const user = { uzi: '900012345', name: 'J. Wierenga', role: '01.015' };
    const res = await token(grant(await assertion(gp, { claims: { user } })));
    const echoed = await fhir('/fhir/Patient', res.body.access_token as string);
    expect(echoed.status).toBe(200);
    expect(echoed.body.caller).toMatchObject({
      clientId: 'test-gp',
      organization: { kind: 'gp', ura: '90000011' },
      user: {
        id: '900012345',
        system: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers',
        name: 'J. Wierenga',
        role: '01.015',
      },
      scopes: [{ resourceType: '*', interactions: 'rs' }],
      pseudonymised: false,
    });
  });

  const rejections: Array<[string, () => Promise<Record<string, string>>, number, string]> = [
    [
      'a symmetric algorithm (HS256)',
      async () => grant(await assertion(gp, { alg: 'HS256', key: new TextEncoder().encode('x'.repeat(32)) })),
      401,
      'invalid_client',
    ],
    [
      'alg none',
      async () =>
        grant(
          unsigned({
            iss: 'test-gp',
            sub: 'test-gp',
            aud: `${origin}/auth/token`,
            exp: Math.floor(Date.now() / 1000) + 60,
            jti: randomUUID(),
          }),
        ),
      401,
      'invalid_client',
    ],
    [
      'ES256 instead of ES384',
      async () =>
        grant(await assertion(gp, { alg: 'ES256', key: (await generateKeyPair('ES256')).privateKey })),
      401,
      'invalid_client',
    ],
    [
      'a wrong audience',
      async () => grant(await assertion(gp, { aud: 'https://other.example/auth/token' })),
      401,
      'invalid_client',
    ],
    ['iss ≠ sub', async () => grant(await assertion(gp, { sub: 'someone-else' })), 401, 'invalid_client'],
    [
      'exp more than 5 minutes ahead',
      async () => grant(await assertion(gp, { expIn: 3600 })),
      401,
      'invalid_client',
    ],
    ['an expired assertion', async () => grant(await assertion(gp, { expIn: -120 })), 401, 'invalid_client'],
    [
      'an assertion not yet valid',
      async () => grant(await assertion(gp, { nbfIn: 600 })),
      401,
      'invalid_client',
    ],
    [
      'an unknown client',
      async () => grant(await assertion({ ...gp, record: { ...gp.record, clientId: 'nobody' } })),
      401,
      'invalid_client',
    ],
    [
      'an unregistered key',
      async () => grant(await assertion(gp, { key: (await generateKeyPair('ES384')).privateKey })),
      401,
      'invalid_client',
    ],
    ['a tampered signature', async () => grant(tamper(await assertion(gp))), 401, 'invalid_client'],
    [
      'a tampered payload',
      async () =>
        grant(
          swapPayload(await assertion(gp), {
            iss: 'test-gp',
            sub: 'test-gp',
            aud: `${origin}/auth/token`,
            exp: Math.floor(Date.now() / 1000) + 60,
            jti: 'x',
          }),
        ),
      401,
      'invalid_client',
    ],
    [
      'a scope outside the allowed ones',
      async () => grant(await assertion(gp), 'system/Consent.d'),
      400,
      'invalid_scope',
    ],
    ['no scope', async () => ({ ...grant(await assertion(gp)), scope: '' }), 400, 'invalid_scope'],
    [
      'another grant type',
      async () => ({ ...grant(await assertion(gp)), grant_type: 'password' }),
      400,
      'unsupported_grant_type',
    ],
    [
      'another assertion type',
      async () => ({ ...grant(await assertion(gp)), client_assertion_type: 'urn:x' }),
      400,
      'invalid_request',
    ],
    [
      'a malformed user claim',
      async () => grant(await assertion(gp, { claims: { user: { uzi: 12 } } })),
      400,
      'invalid_request',
    ],
  ];

  it.each(rejections)('rejects %s', async (_what, form, status, error) => {
    const res = await token(await form());
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(typeof res.body.error_description).toBe('string');
    expect(res.body.access_token).toBeUndefined();
  });

  it('rejects a replayed jti', async () => {
    const once = await assertion(gp);
    expect((await token(grant(once))).status).toBe(200);
    const again = await token(grant(once));
    expect(again.status).toBe(401);
    expect(again.body.error_description).toMatch(/jti/);
  });

  it('refuses demo clients in production, and accepts them in development', async () => {
    expect((await token(grant(await assertion(demo)))).status).toBe(200);
    const prodAud = `${origin}/auth/token`;
    const res = await token(grant(await assertion(demo, { aud: prodAud })), '/prod/auth/token');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect((await token(grant(await assertion(gp, { aud: prodAud })), '/prod/auth/token')).status).toBe(200);
  });

  it('logs token issue and refusal in the audit trail', async () => {
    await token(grant(await assertion(gp, { sub: 'x' })));
    const event = await latestEvent(db);
    const res = { rows: [{ outcome: event.outcome, code: event.type.code }] };
    expect(res.rows[0]).toEqual({ outcome: '4', code: '110114' });
  });
});

describe('well-known documents', () => {
  it('publishes the SMART configuration, also under /fhir, linking the JWKS', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
      const res = await fhir(path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        token_endpoint: `${origin}/auth/token`,
        jwks_uri: `${origin}/.well-known/jwks.json`,
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
        grant_types_supported: ['client_credentials'],
      });
    }
  });

  it('keeps a rotated key in the JWKS, so tokens it signed stay valid', async () => {
    const before = (await token(grant(await assertion(gp)))).body.access_token as string;
    await security.keys.rotate(true);
    const jwks = (await fhir('/.well-known/jwks.json')).body as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(before).kid);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    const after = (await token(grant(await assertion(gp)))).body.access_token as string;
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    expect((await fhir('/fhir/Patient', before)).status).toBe(200);
    expect((await fhir('/fhir/Patient', after)).status).toBe(200);
  });
});

describe('authenticate (/fhir)', () => {
  const expect401 = async (accessToken?: string) => {
    const res = await fhir('/fhir/CarePlan', accessToken);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="meso-fhir", error="invalid_token"/);
    expect(res.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'login' }],
    });
    return res;
  };

  it('lets GET /fhir/metadata through without a token', async () => {
    expect((await fhir('/fhir/metadata')).status).toBe(200);
  });
  it('refuses a request without a token', () => expect401());
  it('refuses a malformed token', () => expect401('not-a-jwt'));
  it('refuses a client assertion used as access token', async () => expect401(await assertion(gp)));

  it('refuses an expired token', async () => {
    const { kid, key } = await security.keys.signingKey();
    const expired = await new SignJWT({ client_id: 'test-gp', scope: 'system/*.rs' })
      .setProtectedHeader({ alg: 'ES384', kid, typ: 'at+jwt' })
      .setIssuer(origin)
      .setSubject('test-gp')
      .setAudience(`${origin}/fhir`)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    const res = await expect401(expired);
    expect(res.headers.get('www-authenticate')).toMatch(/expired/);
  });

  it('refuses a token for another audience or signed by another key', async () => {
    const { kid, key } = await security.keys.signingKey();
    const claims = { client_id: 'test-gp', scope: 'system/*.rs' };
    const build = () =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES384', kid, typ: 'at+jwt' })
        .setIssuer(origin)
        .setSubject('test-gp')
        .setExpirationTime('2m');
    await expect401(await build().setAudience('https://elsewhere/fhir').sign(key));
    await expect401(
      await build()
        .setAudience(`${origin}/fhir`)
        .sign((await generateKeyPair('ES384')).privateKey),
    );
  });

  it('refuses tokens of a demo client in production', async () => {
    const prodAud = `${origin}/auth/token`;
    const gpToken = (await token(grant(await assertion(gp, { aud: prodAud })), '/prod/auth/token')).body
      .access_token as string;
    expect((await fhir('/prod/fhir/Patient', gpToken)).status).toBe(200);
    // A token minted for the demo client (e.g. before the switch to production) is not honoured.
    const demoToken = await productionSecurity.tokens.issue(origin, demo.record, [
      { resourceType: '*', interactions: 'rs' },
    ]);
    expect((await fhir('/prod/fhir/Patient', demoToken.accessToken)).status).toBe(401);
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
function unsigned(payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}
function tamper(jwt: string): string {
  const [h, p, s] = jwt.split('.');
  const bytes = Buffer.from(s, 'base64url');
  bytes[10] ^= 0xff;
  return `${h}.${p}.${bytes.toString('base64url')}`;
}
function swapPayload(jwt: string, payload: Record<string, unknown>): string {
  const [h, , s] = jwt.split('.');
  return `${h}.${b64(payload)}.${s}`;
}
