import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { projectPath } from '../project-root';

/**
 * The client side of SMART Backend Services (RFC 7523 private_key_jwt), as a GP EHR, VVT system or platform
 * does it. Used by `npm run token`, the benchmark and the end-to-end tests, so all three get tokens the real way.
 */

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface DemoClient {
  clientId: string;
  scopes: string[];
  /** The private key, when the client file names one (DEMO-ONLY keys in examples/clients/keys). */
  jwk?: JWK;
}

/** A private key file: a bare JWK, or `{ jwk }` as in examples/clients/keys. */
export function readPrivateJwk(file: string): JWK {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { jwk?: JWK } & JWK;
  const jwk = raw.jwk ?? raw;
  if (!jwk.d) throw new Error(`${file} holds no private key`);
  return jwk;
}

/** A demo client from examples/clients (or DEMO_CLIENTS_DIR), found by client_id or by its file name (`gp`). */
export function findDemoClient(idOrFile: string): DemoClient | undefined {
  const dir = process.env.DEMO_CLIENTS_DIR || projectPath('examples', 'clients');
  if (!fs.existsSync(dir)) return undefined;
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const file = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as DemoClient & {
      privateKeyFile?: string;
    };
    if (file.clientId !== idOrFile && name !== `${idOrFile}.json`) continue;
    const jwk = file.privateKeyFile ? readPrivateJwk(path.join(dir, file.privateKeyFile)) : undefined;
    return { clientId: file.clientId, scopes: file.scopes, jwk };
  }
  return undefined;
}

/** A client assertion: iss = sub = client_id, aud = the token URL, a fresh jti, valid four minutes (SMART: ≤ 5). */
export async function signClientAssertion(
  clientId: string,
  jwk: JWK,
  tokenUrl: string,
  user?: Record<string, string>,
): Promise<string> {
  const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS384' : 'ES384');
  return new SignJWT(user && Object.keys(user).length ? { user } : {})
    .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setIssuedAt()
    .setExpirationTime('4m')
    .setJti(randomUUID())
    .sign(await importJWK(jwk, alg));
}

/** Exchanges a client assertion for an access token at `tokenUrl`; throws with the OAuth error otherwise. */
export async function requestAccessToken(
  tokenUrl: string,
  client: { clientId: string; jwk: JWK },
  scope: string,
  user?: Record<string, string>,
): Promise<string> {
  const assertion = await signClientAssertion(client.clientId, client.jwk, tokenUrl, user);
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
      scope,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    throw new Error(
      `Token request for ${client.clientId} failed: ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`,
    );
  }
  return body.access_token;
}
