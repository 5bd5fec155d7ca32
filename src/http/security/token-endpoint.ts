import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { Database, Queryable } from '../../store/database';
import { claimJti } from '../../store/used-jti';
import type { RequestContext } from '../../kernel/request-context';
import type { AccessTokens, ActingUser } from '../../security/access-token';
import type { AuditTrail } from '../../audit/audit-trail';
import type { ClientRegistry } from '../../security/client-registry';
import type { ClientRecord } from '../../store/clients';
import { grantScopes, parseScopes } from '../../security/scopes';
import type { SecurityConfig } from '../../config';
import { originFor } from '../../security/security-config';
import type { SigningKeys } from '../../security/signing-keys';
import { AGB_SYSTEM, UZI_SYSTEM } from '../../security/naming-systems';
import { classifyDatabaseError } from '../../store/database-errors';

export const TOKEN_PATH = '/auth/token';
export const JWKS_PATH = '/.well-known/jwks.json';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
// SMART Backend Services: the client signs with RS384 or ES384; nothing else (and never `none`).
const ASSERTION_ALGS = ['RS384', 'ES384'];
// SMART Backend Services: exp no more than five minutes in the future; a little slack for clock skew.
const MAX_ASSERTION_LIFETIME_S = 300;
const CLOCK_SKEW_S = 30;

// Control characters and unpaired surrogates: jsonb refuses NUL and lone surrogates, and logs should not hold them.
/* eslint-disable no-control-regex */
const CONTROL_OR_LONE_SURROGATE =
  /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/* eslint-enable no-control-regex */

/** An OAuth 2.0 error response (RFC 6749 §5.2). */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error:
      'invalid_request' | 'invalid_client' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type',
    readonly description: string,
    readonly clientId?: string,
  ) {
    super(description);
  }
}

const invalidClient = (why: string, clientId?: string) =>
  new OAuthError(401, 'invalid_client', why, clientId);

export interface TokenEndpointDeps {
  db: Database;
  config: SecurityConfig;
  clients: ClientRegistry;
  tokens: AccessTokens;
  keys: SigningKeys;
  audit: AuditTrail;
}

/** The SMART Backend Services endpoints: POST /auth/token and the two well-known documents. */
export function tokenRouter(deps: TokenEndpointDeps): Router {
  const router = express.Router();
  // Assertions are small; a tight limit keeps an unauthenticated endpoint cheap.
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  router.post(TOKEN_PATH, form, (req, res) => tokenHandler(deps, req, res));
  router.get(
    ['/.well-known/smart-configuration', `${deps.config.fhirPath}/.well-known/smart-configuration`],
    (req, res) => {
      res.set('Cache-Control', 'public, max-age=300').json(smartConfiguration(originFor(deps.config, req)));
    },
  );
  router.get(JWKS_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json(deps.keys.jwks());
  });
  return router;
}

/** SMART App Launch 2.0 §Conformance: the well-known document for backend services. */
export function smartConfiguration(origin: string) {
  return {
    issuer: origin,
    jwks_uri: origin + JWKS_PATH,
    token_endpoint: origin + TOKEN_PATH,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    scopes_supported: ['system/*.cruds', 'system/*.rs', 'system/*.read', 'system/*.write', 'system/*.*'],
    response_types_supported: ['token'],
    capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
  };
}

async function tokenHandler(deps: TokenEndpointDeps, req: Request, res: Response): Promise<void> {
  const origin = originFor(deps.config, req);
  const ctx: RequestContext = { requestId: requestIdOf(req, res), baseUrl: origin + deps.config.fhirPath };
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  try {
    // Without a form body (another content type) every parameter is simply missing.
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { client, scopes, user } = await authenticateClient(deps, body, origin);
    const granted = grantScopes(parseScopes(scopes), parseScopes(client.scopes.join(' ')));
    if (granted.length === 0)
      throw new OAuthError(
        400,
        'invalid_scope',
        'none of the requested scopes is allowed for this client',
        client.clientId,
      );
    const issued = await deps.tokens.issue(origin, client, granted, user);
    const caller = { ...callerStub(client), user, scopes: granted };
    // NEN 7513: the token issue is logged, durably, before the token leaves the service.
    await deps.audit.record(
      deps.db.pool,
      ctx,
      {
        action: 'E',
        interaction: 'token',
        outcome: 'success',
        caller,
        entities: [],
        description: `scope: ${issued.scope}`,
      },
      req.ip,
    );
    res.json({
      access_token: issued.accessToken,
      token_type: 'bearer',
      expires_in: issued.expiresIn,
      scope: issued.scope,
    });
  } catch (err) {
    const oauth = err instanceof OAuthError ? err : undefined;
    if (!oauth) {
      (res.locals.logger as { error?: (o: object, m: string) => void } | undefined)?.error?.(
        { err },
        'token issue failed',
      );
      const fault = classifyDatabaseError(err);
      // RFC 6749 §5.2 has no code for it; temporarily_unavailable (§4.1.2.1) says what a client should do.
      if (fault)
        res
          .status(503)
          .set('Retry-After', '5')
          .json({
            error: 'temporarily_unavailable',
            error_description: `the database is unavailable at the moment (${fault.reason}); retry after 5 seconds`,
          });
      else
        res.status(500).json({ error: 'server_error', error_description: 'the token could not be issued' });
      return;
    }
    await auditFailure(deps, ctx, oauth, req.ip);
    res.status(oauth.status).json({ error: oauth.error, error_description: oauth.description });
  }
}

async function auditFailure(
  deps: TokenEndpointDeps,
  ctx: RequestContext,
  err: OAuthError,
  ip: string | undefined,
): Promise<void> {
  const client = err.clientId ? await deps.clients.find(err.clientId).catch(() => undefined) : undefined;
  await deps.audit
    .record(
      deps.db.pool,
      ctx,
      {
        action: 'E',
        interaction: 'token',
        outcome: 'failure',
        caller: client ? callerStub(client) : undefined,
        entities: [],
        description: `${err.error}: ${err.description}`,
      },
      ip,
    )
    // A failing audit write must not turn a refusal into a 500; the refusal itself stands.
    .catch(() => undefined);
}

/** A Caller for audit purposes when no access token exists yet. */
function callerStub(client: ClientRecord) {
  return {
    clientId: client.clientId,
    clientName: client.name,
    organization: { ...client.organization },
    scopes: [],
    pseudonymised: client.organization.kind === 'platform' && !client.identifiable,
  };
}

/** The request id set by the logging middleware, or a safe X-Request-Id, or a new one. */
export function requestIdOf(req: Request, res: Response): string {
  const fromLocals = res.locals.requestId;
  if (typeof fromLocals === 'string') return fromLocals;
  const header = req.get('x-request-id');
  return header && /^[A-Za-z0-9._-]{1,100}$/.test(header) ? header : randomUUID();
}

const text = (body: Record<string, unknown>, name: string): string | undefined =>
  typeof body[name] === 'string' ? (body[name] as string) : undefined;

/**
 * RFC 7523 §3 and SMART Backend Services: checks the client assertion and returns the authenticated client.
 * Every failure is `invalid_client` (the assertion *is* the client authentication), except malformed requests.
 */
export async function authenticateClient(
  deps: Pick<TokenEndpointDeps, 'db' | 'clients'>,
  body: Record<string, unknown>,
  origin: string,
): Promise<{ client: ClientRecord; scopes: string; user?: ActingUser }> {
  if (text(body, 'grant_type') !== 'client_credentials') {
    throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  }
  const assertion = text(body, 'client_assertion');
  if (text(body, 'client_assertion_type') !== JWT_BEARER || !assertion) {
    throw new OAuthError(
      400,
      'invalid_request',
      `client_assertion_type must be ${JWT_BEARER}, with a client_assertion`,
    );
  }
  const scopes = text(body, 'scope');
  if (!scopes) throw new OAuthError(400, 'invalid_scope', 'scope is required');

  const clientId = claimedClient(assertion);
  const formClientId = text(body, 'client_id');
  if (formClientId !== undefined && formClientId !== clientId)
    throw invalidClient('client_id differs from the assertion issuer', clientId);
  const client = await deps.clients.find(clientId);
  if (!client) throw invalidClient('unknown or disabled client');

  const payload = await verifyAssertion(assertion, client, origin + TOKEN_PATH);
  await claimOnce(deps.db.pool, client.clientId, payload);
  return { client, scopes, user: actingUserFrom(payload.user, client.clientId) };
}

/** Reads iss/sub before verification, only to find the client whose keys will verify the assertion. */
function claimedClient(assertion: string): string {
  let alg: string | undefined;
  let claims: JWTPayload;
  try {
    alg = decodeProtectedHeader(assertion).alg;
    claims = decodeJwt(assertion);
  } catch {
    throw invalidClient('client_assertion is not a JWT');
  }
  if (!alg || !ASSERTION_ALGS.includes(alg))
    throw invalidClient(`client_assertion must be signed with ${ASSERTION_ALGS.join(' or ')}`);
  if (typeof claims.iss !== 'string' || claims.iss.length === 0 || claims.iss.length > 100)
    throw invalidClient('iss is missing');
  if (claims.sub !== claims.iss) throw invalidClient('iss and sub must both be the client_id', claims.iss);
  return claims.iss;
}

async function verifyAssertion(
  assertion: string,
  client: ClientRecord,
  audience: string,
): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
      algorithms: ASSERTION_ALGS,
      issuer: client.clientId,
      subject: client.clientId,
      audience,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_SKEW_S,
    }));
  } catch (err) {
    throw invalidClient(assertionFailure(err), client.clientId);
  }
  const now = Math.floor(Date.now() / 1000);
  if ((payload.exp as number) > now + MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S) {
    throw invalidClient('exp must be at most 5 minutes in the future', client.clientId);
  }
  if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_SKEW_S)
    throw invalidClient('iat is in the future', client.clientId);
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 255) {
    throw invalidClient('jti must be a string of at most 255 characters', client.clientId);
  }
  return payload;
}

/** A description that helps the client developer without echoing attacker input. */
function assertionFailure(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `client_assertion claim "${err.claim}" is invalid (${err.reason})`;
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return 'no registered key of this client matches the assertion';
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return `client_assertion must be signed with ${ASSERTION_ALGS.join(' or ')}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'client_assertion signature is invalid';
  return 'client_assertion is invalid';
}

/** RFC 7523 §3 item 7: a jti once. The row lives until the assertion has expired, in the shared database. */
async function claimOnce(db: Queryable, clientId: string, payload: JWTPayload): Promise<void> {
  const first = await claimJti(db, clientId, String(payload.jti), (payload.exp as number) + CLOCK_SKEW_S);
  if (!first) throw invalidClient('client_assertion jti has been used before', clientId);
}

/**
 * The acting person from the assertion's `user` claim (NEN 7513: who did it). Documented claim names:
 * `user: { uzi?, agb?, id?, system?, name?, role? }` with `uzi` an UZI number, `agb` an AGB-Z code, or any
 * other `id` with its `system` URI; `name` a display name; `role` an UZI rolcode such as "01.015" (huisarts).
 */
export function actingUserFrom(claim: unknown, clientId: string): ActingUser | undefined {
  if (claim === undefined) return undefined;
  const bad = () =>
    new OAuthError(
      400,
      'invalid_request',
      'the user claim must be an object of short strings: uzi, agb, id, system, name, role',
      clientId,
    );
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) throw bad();
  const c = claim as Record<string, unknown>;
  const allowed = ['uzi', 'agb', 'id', 'system', 'name', 'role'];
  for (const [key, value] of Object.entries(c)) {
    if (!allowed.includes(key) || typeof value !== 'string' || value.length === 0 || value.length > 200)
      throw bad();
    // These strings end up in jsonb (which refuses NUL and lone surrogates) and in the audit trail.
    if (CONTROL_OR_LONE_SURROGATE.test(value)) throw bad();
  }
  const s = c as Record<string, string | undefined>;
  const user: ActingUser = {};
  if (s.uzi) Object.assign(user, { id: s.uzi, system: UZI_SYSTEM });
  else if (s.agb) Object.assign(user, { id: s.agb, system: AGB_SYSTEM });
  else if (s.id) Object.assign(user, { id: s.id, system: s.system });
  if (s.name) user.name = s.name;
  if (s.role) user.role = s.role;
  return Object.keys(user).length ? user : undefined;
}
