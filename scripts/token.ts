/**
 * Prints a bearer token for a client: signs a client assertion (RFC 7523) with the client's private key and
 * exchanges it at /auth/token of a running service.
 *
 *   npm run token -- --client demo-gp-de-brink [--scope "system/CarePlan.rs"] [--url http://localhost:8080]
 *                    [--key path/to/private.json] [--user-uzi 900012345 --user-name "J. Wierenga" --user-role 01.015]
 *                    [--offline]
 *
 * Demo clients' keys are found in examples/clients (DEMO-ONLY). --offline mints the token directly in the
 * database (DATABASE_URL, or the embedded one when the service is not running) without the token endpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { projectPath } from '../src/project-root';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/store/database';
import { migrate } from '../src/store/migrate';
import { createSecurity } from '../src/security/security-layer';
import { grantScopes, parseScopes } from '../src/security/scopes';
import { actingUserFrom } from '../src/security/token-endpoint';

interface Options {
  client: string;
  scope?: string;
  url: string;
  key?: string;
  user: Record<string, string>;
  offline: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    client: '',
    url: process.env.PUBLIC_URL ?? 'http://localhost:8080',
    user: {},
    offline: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--client') options.client = value();
    else if (arg === '--scope') options.scope = value();
    else if (arg === '--url')
      options.url = value()
        .replace(/\/+$/, '')
        .replace(/\/fhir$/, '');
    else if (arg === '--key') options.key = value();
    else if (arg === '--offline') options.offline = true;
    else if (arg.startsWith('--user-')) options.user[arg.slice('--user-'.length)] = value();
    else throw new Error(`unknown option ${arg}`);
  }
  if (!options.client) throw new Error('--client <client_id> is required');
  return options;
}

interface ClientFile {
  clientId: string;
  scopes: string[];
  privateKeyFile?: string;
}

/** The demo client's configuration in examples/clients, when there is one. */
function demoClient(clientId: string): { file: ClientFile; dir: string } | undefined {
  const dir = process.env.DEMO_CLIENTS_DIR || projectPath('examples', 'clients');
  if (!fs.existsSync(dir)) return undefined;
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const file = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as ClientFile;
    if (file.clientId === clientId) return { file, dir };
  }
  return undefined;
}

/** A private key file: a bare JWK, or `{ jwk }` as in examples/clients/keys. */
function readPrivateJwk(file: string): JWK {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { jwk?: JWK } & JWK;
  const jwk = raw.jwk ?? raw;
  if (!jwk.d) throw new Error(`${file} holds no private key`);
  return jwk;
}

async function clientAssertion(
  clientId: string,
  jwk: JWK,
  audience: string,
  user: Record<string, string>,
): Promise<string> {
  const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS384' : 'ES384');
  const key = await importJWK(jwk, alg);
  return (
    new SignJWT(Object.keys(user).length ? { user } : {})
      .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt()
      // SMART Backend Services: at most five minutes.
      .setExpirationTime('4m')
      .setJti(randomUUID())
      .sign(key)
  );
}

async function online(options: Options, scope: string): Promise<string> {
  const demo = demoClient(options.client);
  const keyFile =
    options.key ?? (demo?.file.privateKeyFile ? path.join(demo.dir, demo.file.privateKeyFile) : undefined);
  if (!keyFile) throw new Error(`no private key for ${options.client}: pass --key <file>`);
  const tokenUrl = `${options.url}/auth/token`;
  const assertion = await clientAssertion(options.client, readPrivateJwk(keyFile), tokenUrl, options.user);
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope,
    }),
  });
  const body = (await response.json()) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token)
    throw new Error(`${response.status} ${body.error}: ${body.error_description}`);
  return body.access_token;
}

/** Mints directly with the service's signing keys: for scripts and tests without a running server. */
async function offline(options: Options, scope: string): Promise<string> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const security = await createSecurity(db, config);
    const client = await security.clients.find(options.client);
    if (!client) throw new Error(`unknown or disabled client ${options.client}`);
    const granted = grantScopes(parseScopes(scope), parseScopes(client.scopes.join(' ')));
    if (!granted.length) throw new Error('none of the requested scopes is allowed for this client');
    const user = actingUserFrom(Object.keys(options.user).length ? options.user : undefined, client.clientId);
    const issued = await security.tokens.issue(options.url, client, granted, user);
    return issued.accessToken;
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const scope = options.scope ?? demoClient(options.client)?.file.scopes.join(' ') ?? 'system/*.rs';
  const token = options.offline ? await offline(options, scope) : await online(options, scope);
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`token: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
