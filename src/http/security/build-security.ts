import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import type { Logger } from 'pino';
import type { HttpSecurity } from '../../app';
import type { Database } from '../../store/database';
import { AccessTokens } from '../../security/access-token';
import { AccessPolicy } from '../../security/access-policy';
import { AuditTrail } from '../../audit/audit-trail';
import { AuditEventSearch } from '../../audit/audit-search';
import { authenticate } from './authenticate';
import { ClientRegistry, configuredClients } from '../../security/client-registry';
import { seedClients } from '../../store/clients';
import { corsPolicy, rateLimiter, securityHeaders } from './hardening';
import type { SecurityConfig } from '../../config';
import { isProduction } from '../../security/security-config';
import { SigningKeys } from '../../security/signing-keys';
import { tokenRouter } from './token-endpoint';

/** Everything src/security offers the rest of the service. */
export interface Security {
  config: SecurityConfig;
  /** The access policy (AccessGuard) for the repository, the executor and the search engine. */
  accessGuard: AccessPolicy;
  /** The NEN 7513 audit trail (AuditSink). */
  audit: AuditTrail;
  /** AuditEvent read and search, from the audit table (AuditReader). */
  auditReader: AuditEventSearch;
  /** The HTTP pieces, in pipeline order, for createApp. */
  http: HttpSecurity & {
    /** POST /auth/token, GET /.well-known/smart-configuration (also under /fhir), GET /.well-known/jwks.json. */
    publicRouter: Router;
    /** Per client_id, after authenticate (authenticate itself starts with a per-IP limit). */
    rateLimit: RequestHandler;
  };
  clients: ClientRegistry;
  keys: SigningKeys;
  tokens: AccessTokens;
}

export interface SecurityOptions {
  /** Identifies this service in AuditEvent.source.observer. */
  serviceId?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/**
 * Builds the security layer: seeds the client registry from configuration (demo clients outside production,
 * CLIENTS_FILE), makes sure a token signing key exists (rotating an old one) and returns the AccessGuard, the
 * AuditSink and the HTTP middleware. Expects migration 003-security to have run.
 */
export async function buildSecurity(
  db: Database,
  config: SecurityConfig,
  options: SecurityOptions = {},
): Promise<Security> {
  const { serviceId, logger } = options;
  if (isProduction(config) && !config.publicUrl) {
    // Deriving token issuer and audience from the Host header lets an assertion for another server be replayed here.
    throw new Error('PUBLIC_URL (or BASE_URL) must be set in production: token iss and aud derive from it');
  }
  if (!config.publicUrl)
    logger?.warn('PUBLIC_URL not set: token issuer and audience follow the Host header (development only)');

  const clients = configuredClients(config);
  await db.transaction((tx) => seedClients(tx, clients));
  logger?.info({ clients: clients.map((c) => c.clientId) }, 'client registry seeded');
  const keys = new SigningKeys(db, config.keyRotationHours * 3_600_000, config.tokenTtlSeconds * 1000);
  await keys.init();

  const registry = new ClientRegistry(db.pool, config);
  const tokens = new AccessTokens(keys, config.tokenTtlSeconds, config.fhirPath);
  const audit = new AuditTrail(db, { serviceId: serviceId ?? 'meso-fhir' });
  // Before authentication: bounds failed logins and audit volume per address.
  const ipRateLimit = rateLimiter(config.rateLimitIpPerMinute);
  const publicRouter = express.Router();
  publicRouter.use('/auth', ipRateLimit);
  publicRouter.use(tokenRouter({ db, config, clients: registry, tokens, keys, audit }));
  const bearer = authenticate({ db, config, clients: registry, tokens, audit });
  return {
    config,
    accessGuard: new AccessPolicy(),
    audit,
    auditReader: new AuditEventSearch(),
    http: {
      hardening: [securityHeaders(), corsPolicy(config)],
      publicRouter,
      authenticate: chain(ipRateLimit, bearer),
      // After authentication: keyed by client_id.
      rateLimit: rateLimiter(config.rateLimitPerMinute),
    },
    clients: registry,
    keys,
    tokens,
  };
}

/** Two middleware as one, for the single `authenticate` slot of HttpSecurity. */
function chain(first: RequestHandler, second: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    void first(req, res, (err?: unknown) => (err ? next(err) : void second(req, res, next)));
  };
}
