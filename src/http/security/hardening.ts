import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { FhirError, issue, operationOutcome } from '../../kernel/outcome';
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

/** The nesting depth of a JSON text, found without parsing it (so a hostile body costs no parse). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) max = Math.max(max, ++depth);
    else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return max;
}

/** Throws a 400 OperationOutcome when a JSON text nests deeper than `maxDepth`. */
export function assertJsonDepth(text: string, maxDepth: number): void {
  if (jsonDepth(text) > maxDepth) {
    throw new FhirError(400, [issue('too-costly', `The JSON body nests deeper than ${maxDepth} levels`)]);
  }
}

/**
 * For express.json({ verify }): rejects over-deep bodies before they are parsed. body-parser keeps the thrown
 * FhirError (status 400), so the REST error handler turns it into an OperationOutcome.
 */
export function jsonDepthVerifier(
  maxDepth: number,
): (req: IncomingMessage, res: unknown, body: Buffer) => void {
  return (_req, _res, body) => assertJsonDepth(body.toString('utf8'), maxDepth);
}
