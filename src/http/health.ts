import express, { type Response } from 'express';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, operationOutcome } from '../kernel/outcome';
import { RETRY_AFTER_SECONDS } from '../fhir/rest/error-response';

export interface HealthOptions {
  /** Why this instance is not serving yet or any more (start-up, shutdown); undefined once it is. */
  phase(): string | undefined;
  /** Undefined when the database answers within `timeoutMs`; otherwise why not (src/store). */
  checkDatabase(timeoutMs: number): Promise<string | undefined>;
  /** How long readiness waits for the database; default 2000 ms. */
  timeoutMs?: number;
}

/**
 * Liveness and readiness for orchestrators and load balancers, without authentication.
 * `/healthz`: the process answers (the event loop runs). `/readyz`: this instance can serve FHIR requests now:
 * start-up completed and the database answers in time; otherwise 503 naming every check that failed.
 */
export function healthRouter(options: HealthOptions): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => send(res, 200, [info('alive')]));
  router.get('/readyz', async (_req, res) => {
    const failed: OperationOutcomeIssue[] = [];
    const phase = options.phase();
    if (phase) failed.push(issue('transient', phase));
    const database = await options.checkDatabase(options.timeoutMs ?? 2000);
    if (database) failed.push(issue('transient', `database: ${database}`));
    if (failed.length) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    send(
      res,
      failed.length ? 503 : 200,
      failed.length ? failed : [info('ready: start-up completed, the database answers')],
    );
  });
  return router;
}

const info = (text: string) => issue('informational', text, undefined, 'information');

function send(res: Response, status: number, issues: OperationOutcomeIssue[]): void {
  res.status(status).set('Cache-Control', 'no-store').type('application/fhir+json');
  res.send(JSON.stringify(operationOutcome(issues)));
}
