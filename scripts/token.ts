/**
 * Prints a bearer token for a client (`npm run token -- --help`): signs a client assertion (RFC 7523) with the
 * client's private key and exchanges it at /auth/token of a running service, or mints it in the database
 * (--offline). The service URL follows the service's own configuration, and is printed on stderr.
 */
import { loadConfig } from '../src/config';
import { migrate } from '../src/store/migrate';
import { describeError, openExistingDatabase } from '../src/store/existing-database';
import { createSecurity } from '../src/http/security/security-layer';
import { grantScopes, parseScopes } from '../src/security/scopes';
import { actingUserFrom } from '../src/http/security/token-endpoint';
import { findDemoClient, readPrivateJwk, requestAccessToken } from '../src/security/backend-services-client';

export const USAGE = `Usage: npm run token -- --client <client_id> [options]

Prints an access token for <client_id> on stdout; the service URL it used goes to stderr.

Options:
  --client <id>        client_id, e.g. demo-gp-de-brink (demo clients: examples/clients, DEMO-ONLY keys)
  --url <origin>       the service, e.g. http://localhost:8080 (a trailing /fhir is dropped). Default: PUBLIC_URL,
                       else the origin of BASE_URL, else http://localhost:$PORT (PORT defaults to 8080)
  --scope "<scopes>"   SMART scopes to ask for, e.g. "system/CarePlan.rs system/Patient.r".
                       Default: every scope the demo client is registered with
  --key <file>         the client's private JWK (JSON); default: the demo client's key
  --user-uzi <n>       the acting person for the audit trail (with --user-name and --user-role):
  --user-name <text>     UZI number, name and role code (e.g. 01.015) go into the token's user claim
  --user-role <code>
  --offline            mint the token directly in the service's database (DATABASE_URL, or the embedded one in
                       DATA_DIR, also while the service runs) instead of calling its token endpoint; the token's
                       issuer is the --url origin
  --help               this text
`;

export interface TokenOptions {
  client: string;
  scope?: string;
  url: string;
  key?: string;
  user: Record<string, string>;
  offline: boolean;
  help: boolean;
}

/** The service origin the tool talks to unless --url says otherwise: what the service itself would announce. */
export function defaultServiceUrl(env: NodeJS.ProcessEnv = process.env): string {
  const config = loadConfig(env);
  return config.security.publicUrl ?? `http://localhost:${config.port}`;
}

export function parseTokenArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): TokenOptions {
  const options: TokenOptions = { client: '', url: '', user: {}, offline: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value (see --help)`);
      return v;
    };
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--client') options.client = value();
    else if (arg === '--scope') options.scope = value();
    else if (arg === '--url') options.url = new URL(value()).href;
    else if (arg === '--key') options.key = value();
    else if (arg === '--offline') options.offline = true;
    else if (arg.startsWith('--user-')) options.user[arg.slice('--user-'.length)] = value();
    else throw new Error(`unknown option ${arg} (see --help)`);
  }
  options.url = (options.url || defaultServiceUrl(env)).replace(/\/+$/, '').replace(/\/fhir$/, '');
  if (!options.client && !options.help) throw new Error('--client <client_id> is required (see --help)');
  return options;
}

async function online(options: TokenOptions, scope: string): Promise<string> {
  const jwk = options.key ? readPrivateJwk(options.key) : findDemoClient(options.client)?.jwk;
  if (!jwk) throw new Error(`no private key for ${options.client}: pass --key <file>`);
  const tokenUrl = `${options.url}/auth/token`;
  process.stderr.write(`token: asking ${tokenUrl} for ${options.client}\n`);
  try {
    return await requestAccessToken(tokenUrl, { clientId: options.client, jwk }, scope, options.user);
  } catch (err) {
    // fetch() reports an unreachable host as "fetch failed", with the reason in `cause`.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (!cause) throw err;
    throw new Error(
      `no service at ${options.url} (${cause.code ?? cause.message}); start it, or pass --url (or set PORT/PUBLIC_URL)`,
    );
  }
}

/** Mints directly with the service's signing keys: for scripts and tests without a running server. */
async function offline(options: TokenOptions, scope: string): Promise<string> {
  const config = loadConfig();
  const db = await openExistingDatabase(config, (line) => process.stderr.write(`token: ${line}\n`));
  try {
    await migrate(db);
    const security = await createSecurity(db, config);
    const client = await security.clients.find(options.client);
    if (!client) throw new Error(`unknown or disabled client ${options.client}`);
    const granted = grantScopes(parseScopes(scope), parseScopes(client.scopes.join(' ')));
    if (!granted.length) throw new Error('none of the requested scopes is allowed for this client');
    const user = actingUserFrom(Object.keys(options.user).length ? options.user : undefined, client.clientId);
    process.stderr.write(`token: minted offline for ${options.url} (issuer) for ${options.client}\n`);
    const issued = await security.tokens.issue(options.url, client, granted, user);
    return issued.accessToken;
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const options = parseTokenArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  process.stdout.write(`${await issueToken(options)}\n`);
}

/** The token for parsed options: from the service's token endpoint, or minted in its database (--offline). */
export function issueToken(options: TokenOptions): Promise<string> {
  const scope = options.scope ?? findDemoClient(options.client)?.scopes.join(' ') ?? 'system/*.rs';
  return options.offline ? offline(options, scope) : online(options, scope);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`token: ${describeError(err)}\n`);
    process.exit(1);
  });
}
