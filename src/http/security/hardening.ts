import type { Request, RequestHandler, Response } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { issue, operationOutcome } from '../../kernel/outcome';
import type { Caller } from '../../kernel/caller';
import type { SecurityConfig } from '../../config';

/** Security headers for a JSON API: nothing here is rendered as a page, so the CSP can be strict. */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
}

/** CORS_ORIGINS: comma-separated origins, or `*`. Empty: no CORS headers, so browsers cannot call the API. */
export function corsPolicy(config: Pick<SecurityConfig, 'corsOrigins'>): RequestHandler {
  const origins = config.corsOrigins;
  return cors({
    origin: origins.includes('*') ? '*' : origins.length ? origins : false,
    // Bearer tokens, not cookies: credentials mode is never needed.
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Accept',
      'If-Match',
      'If-None-Exist',
      'If-None-Match',
      'If-Modified-Since',
      'Prefer',
      'X-Request-Id',
    ],
    exposedHeaders: [
      'Location',
      'Content-Location',
      'ETag',
      'Last-Modified',
      'X-Request-Id',
      'Retry-After',
      'WWW-Authenticate',
    ],
    maxAge: 600,
  });
}

/**
 * A per-minute request limit: 429 with Retry-After and an OperationOutcome. Keyed by client_id once
 * authenticated (res.locals.caller), else by IP address (IPv6 by /56, as express-rate-limit advises).
 * The counters live in memory, per instance; several instances need a shared store (e.g. rate-limit-postgresql).
 */
export function rateLimiter(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req: Request, res: Response) => {
      const caller = res.locals.caller as Caller | undefined;
      return caller ? `client:${caller.clientId}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    handler: (_req: Request, res: Response) => {
      res
        .status(429)
        .type('application/fhir+json')
        .send(
          JSON.stringify(
            operationOutcome([
              issue(
                'throttled',
                `More than ${perMinute} requests per minute; retry after the time in Retry-After`,
              ),
            ]),
          ),
        );
    },
  });
}
