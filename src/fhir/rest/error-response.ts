import type { Response } from 'express';
import type { Logger } from 'pino';
import { FhirError, issue, operationOutcome } from '../../kernel/outcome';
import { DeadlineExceeded } from '../../kernel/cancellation';
import { classifyDatabaseError } from '../../store/database-errors';
import { contentTypeFor, serialize, type Format } from './content-format';

/** Seconds a client is asked to wait before retrying while the database cannot serve. */
export const RETRY_AFTER_SECONDS = 5;

interface HttpError {
  status?: number;
  type?: string;
  message?: string;
}

/**
 * A database that cannot serve (down, restarting, hanging, too slow) is the service's temporary state, not the
 * request's fault: 503 with Retry-After. A request past its processing deadline: 504.
 */
export function unavailableError(err: unknown): FhirError | undefined {
  const retry = { 'Retry-After': String(RETRY_AFTER_SECONDS) };
  if (err instanceof DeadlineExceeded) {
    const message = `The request was cancelled: ${err.message} (REQUEST_DEADLINE_MS); changes not yet committed were rolled back. Retry later, or ask for less (smaller Bundle, smaller _count)`;
    return new FhirError(504, [issue('timeout', message)], retry);
  }
  const fault = classifyDatabaseError(err);
  if (!fault) return undefined;
  if (fault.kind === 'conflict') {
    const message = `Nothing was stored: ${fault.reason}, and the database rolled this request back. Send it again (for an update: read the resource first for its new version)`;
    return new FhirError(409, [issue('conflict', message)]);
  }
  const message = `The database is unavailable at the moment (${fault.reason}). Retry after ${RETRY_AFTER_SECONDS} seconds`;
  return new FhirError(503, [issue('transient', message)], retry);
}

/** Maps errors from body-parser (size, encoding) to FhirErrors; anything unknown is a 500 without internals. */
export function toFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  const unavailable = unavailableError(err);
  if (unavailable) return unavailable;
  const e = (err ?? {}) as HttpError;
  if (e.type === 'entity.too.large')
    return new FhirError(413, [issue('too-costly', `The request body is larger than the configured limit`)]);
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new FhirError(415, [issue('not-supported', e.message ?? 'Unsupported body encoding')]);
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new FhirError(e.status, [issue('invalid', e.message ?? 'Bad request')]);
  }
  return new FhirError(500, [issue('exception', 'An internal error occurred; it has been logged')]);
}

/** Every error leaves as an OperationOutcome; server faults are logged, never shown. */
export function sendError(res: Response, err: unknown, format: Format = 'json', logger?: Logger): void {
  const error = toFhirError(err);
  if (error.status >= 500) logger?.[error.status === 500 ? 'error' : 'warn']({ err }, 'request failed');
  // Already answered (the processing deadline gave a 504 meanwhile): the error is logged, nothing more.
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(error.headers)) res.set(name, value);
  res
    .status(error.status)
    .type(contentTypeFor(format))
    .send(serialize(operationOutcome(error.issues), format, false));
}
