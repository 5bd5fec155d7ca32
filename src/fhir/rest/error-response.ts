import type { Response } from 'express';
import type { Logger } from 'pino';
import { FhirError, issue, operationOutcome } from '../errors';
import { contentTypeFor, serialize, type Format } from './content-format';

interface HttpError {
  status?: number;
  type?: string;
  message?: string;
}

/** Maps errors from body-parser (size, encoding) to FhirErrors; anything unknown is a 500 without internals. */
export function toFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
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
  if (error.status >= 500) logger?.error({ err }, 'request failed');
  for (const [name, value] of Object.entries(error.headers)) res.set(name, value);
  res
    .status(error.status)
    .type(contentTypeFor(format))
    .send(serialize(operationOutcome(error.issues), format, false));
}
