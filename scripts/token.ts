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
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/store/database';
import { migrate } from '../src/store/migrate';
import { createSecurity } from '../src/security/security-layer';
import { grantScopes, parseScopes } from '../src/security/scopes';
import { actingUserFrom } from '../src/security/token-endpoint';
import { findDemoClient, readPrivateJwk, requestAccessToken } from '../src/security/backend-services-client';

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

async function online(options: Options, scope: string): Promise<string> {
  const jwk = options.key ? readPrivateJwk(options.key) : findDemoClient(options.client)?.jwk;
  if (!jwk) throw new Error(`no private key for ${options.client}: pass --key <file>`);
  return requestAccessToken(
    `${options.url}/auth/token`,
    { clientId: options.client, jwk },
    scope,
    options.user,
  );
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
  const scope = options.scope ?? findDemoClient(options.client)?.scopes.join(' ') ?? 'system/*.rs';
  const token = options.offline ? await offline(options, scope) : await online(options, scope);
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`token: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
