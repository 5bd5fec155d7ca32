import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { projectPath } from '../src/project-root';

/** The demo admin client (examples/clients/admin.json): sees every patient, no compartment filtering. */
export const BENCH_CLIENT_ID = process.env.BENCH_CLIENT_ID || 'demo-admin';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface ClientFile {
  clientId: string;
  scopes: string[];
  privateKeyFile?: string;
}

/** The demo client's configuration and DEMO-ONLY private key (examples/clients, as scripts/token.ts reads them). */
function demoClient(clientId: string): { scopes: string[]; jwk: JWK } {
  const dir = process.env.DEMO_CLIENTS_DIR || projectPath('examples', 'clients');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const name of files) {
    const file = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as ClientFile;
    if (file.clientId !== clientId) continue;
    if (!file.privateKeyFile) throw new Error(`${name} names no privateKeyFile`);
    const raw = JSON.parse(fs.readFileSync(path.join(dir, file.privateKeyFile), 'utf8')) as {
      jwk?: JWK;
    } & JWK;
    const jwk = raw.jwk ?? raw;
    if (!jwk.d) throw new Error(`${file.privateKeyFile} holds no private key`);
    return { scopes: file.scopes, jwk };
  }
  throw new Error(`No demo client ${clientId} in ${dir}`);
}

/**
 * A bearer token for the service at `baseUrl` (its FHIR base, e.g. http://127.0.0.1:1234/fhir): SMART Backend
 * Services client_credentials with a private_key_jwt assertion (RFC 7523) signed by the demo admin client, as
 * `npm run token -- --client demo-admin` does. BENCH_TOKEN, when set, is used as is.
 */
export async function obtainToken(baseUrl: string): Promise<string> {
  if (process.env.BENCH_TOKEN) return process.env.BENCH_TOKEN;
  const { scopes, jwk } = demoClient(BENCH_CLIENT_ID);
  const tokenUrl = `${new URL(baseUrl).origin}/auth/token`;
  const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS384' : 'ES384');
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(BENCH_CLIENT_ID)
    .setSubject(BENCH_CLIENT_ID)
    .setAudience(tokenUrl)
    .setIssuedAt()
    .setExpirationTime('4m')
    .setJti(randomUUID())
    .sign(await importJWK(jwk, alg));
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
      scope: scopes.join(' '),
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    throw new Error(
      `Token request for ${BENCH_CLIENT_ID} failed: ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`,
    );
  }
  return body.access_token;
}
