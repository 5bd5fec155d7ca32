import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errors as joseErrors } from 'jose';
import type { Database } from '../../store/database';
import { issue, operationOutcome } from '../../kernel/outcome';
import { callerFrom, type AccessTokens } from '../../security/access-token';
import type { AuditTrail } from '../../audit/audit-trail';
import type { ClientRegistry } from '../../security/client-registry';
import type { SecurityConfig } from '../../config';
import { originFor } from '../../security/security-config';
import { requestIdOf } from './token-endpoint';

export interface AuthenticateDeps {
  db: Database;
  config: SecurityConfig;
  clients: ClientRegistry;
  tokens: AccessTokens;
  audit: AuditTrail;
}

/** Reachable without a token: the CapabilityStatement and the SMART discovery documents. */
function isPublic(req: Request, fhirPath: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.originalUrl.split('?')[0].replace(/\/+$/, '');
  return (
    req.path === '/metadata' ||
    path === `${fhirPath}/metadata` ||
    path.startsWith('/.well-known/') ||
    path.startsWith(`${fhirPath}/.well-known/`)
  );
}

/**
 * Bearer-token authentication for /fhir (RFC 6750). Sets `res.locals.caller`. A missing, malformed, expired or
 * foreign token is 401 with WWW-Authenticate and an OperationOutcome, and is audited (NEN 7513: failed access).
 */
export function authenticate(deps: AuthenticateDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (isPublic(req, deps.config.fhirPath)) return next();
    handle(deps, req, res).then(
      (ok) => (ok ? next() : undefined),
      (err: unknown) => next(err),
    );
  };
}

async function handle(deps: AuthenticateDeps, req: Request, res: Response): Promise<boolean> {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  if (!match)
    return refuse(
      deps,
      req,
      res,
      header ? 'the Authorization header is not a Bearer token' : 'no access token',
    );
  const origin = originFor(deps.config, req);
  let claims;
  try {
    claims = await deps.tokens.verify(origin, match[1]);
  } catch (err) {
    return refuse(
      deps,
      req,
      res,
      err instanceof joseErrors.JWTExpired ? 'the access token has expired' : 'the access token is invalid',
    );
  }
  const client = await deps.clients.find(claims.client_id);
  if (!client) return refuse(deps, req, res, 'the client of this access token is no longer registered');
  res.locals.caller = callerFrom(client, claims);
  return true;
}

async function refuse(deps: AuthenticateDeps, req: Request, res: Response, why: string): Promise<false> {
  const requestId = requestIdOf(req, res);
  const baseUrl = originFor(deps.config, req) + deps.config.fhirPath;
  // Every refused attempt is logged (issue 5: auth failures); the per-IP rate limit in front bounds the volume.
  await deps.audit
    .record(
      deps.db.pool,
      { requestId, baseUrl },
      {
        action: 'E',
        interaction: 'auth-failure',
        outcome: 'failure',
        entities: [],
        description: `${req.method} ${req.path.slice(0, 200)}: ${why}`,
      },
      req.ip,
    )
    // The refusal stands even when the audit write fails.
    .catch(() => undefined);
  // RFC 6750 §3 suggests no error code when no token was sent; the project asks for it always, which is harmless.
  res
    .status(401)
    .set('WWW-Authenticate', `Bearer realm="meso-fhir", error="invalid_token", error_description="${why}"`)
    .type('application/fhir+json')
    .send(JSON.stringify(operationOutcome([issue('login', why)])));
  return false;
}
