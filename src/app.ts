import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { fhirRouter } from './fhir/rest/fhir-router';
import { sendError } from './fhir/rest/error-response';
import { notFound } from './kernel/outcome';
import type { Executor } from './fhir/interactions/execute';
import { requestLog } from './http/request-log';
import { healthRouter, type HealthOptions } from './http/health';
import { requestDeadline } from './http/deadline';
import { mesoRouter } from './http/meso-router';

/** The HTTP pieces of the security layer (src/security), in the order the pipeline applies them. */
export interface HttpSecurity {
  /** helmet, CORS: before everything else. */
  hardening: RequestHandler[];
  /** /auth/token and /.well-known/*: public endpoints. */
  publicRouter: express.Router;
  /** Bearer-token check for /fhir (lets metadata through), then per-client rate limiting. */
  authenticate: RequestHandler;
  rateLimit?: RequestHandler;
}

export interface AppOptions {
  executor: Executor;
  logger: Logger;
  maxBodyBytes: number;
  maxJsonDepth: number;
  baseUrl?: string;
  security?: HttpSecurity;
  /** Processing deadline per request in ms (0: none); 504 past it. */
  requestDeadlineMs?: number;
  /** /healthz and /readyz. */
  health?: HealthOptions;
}

/**
 * HTTP → request log → hardening → health → deadline → authentication → FHIR router (access policy, operation,
 * store), and beside it the MESO document API (/meso/v1, src/http/meso-router.ts) on the same repository.
 */
export function createApp(options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestLog(options.logger));
  if (options.security) {
    app.use(...options.security.hardening);
  }
  // No authentication, no rate limit: probes must see the instance as it is.
  if (options.health) app.use(healthRouter(options.health));
  if (options.requestDeadlineMs) app.use(requestDeadline(options.requestDeadlineMs));
  if (options.security) app.use(options.security.publicRouter);
  const fhir: RequestHandler[] = [];
  if (options.security) fhir.push(options.security.authenticate);
  if (options.security?.rateLimit) fhir.push(options.security.rateLimit);
  app.use(
    '/fhir',
    ...fhir,
    fhirRouter({
      executor: options.executor,
      maxBodyBytes: options.maxBodyBytes,
      maxJsonDepth: options.maxJsonDepth,
      baseUrl: options.baseUrl,
    }),
  );
  // The MESO document API (issue 10): the same authentication and rate limit as /fhir.
  app.use(
    '/meso/v1',
    ...fhir,
    mesoRouter({
      executor: options.executor,
      maxBodyBytes: options.maxBodyBytes,
      maxJsonDepth: options.maxJsonDepth,
      baseUrl: options.baseUrl,
    }),
  );
  app.get('/', (_req, res) => res.redirect('/fhir/metadata'));
  app.use((req, res) => sendError(res, notFound(`No endpoint at ${req.path}; the FHIR base is /fhir`)));
  // Errors thrown by middleware (authentication, body limits) still leave as an OperationOutcome.
  // sendError only logs when the answer was given already (processing deadline).
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
    sendError(res, err, 'json', res.locals.logger ?? options.logger),
  );
  return app;
}
