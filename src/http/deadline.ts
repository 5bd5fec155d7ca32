import type { RequestHandler } from 'express';
import { DeadlineExceeded, runCancellable } from '../kernel/cancellation';
import { responseFormat, type Format } from '../fhir/rest/content-format';
import { sendError } from '../fhir/rest/error-response';

/**
 * The processing deadline (REQUEST_DEADLINE_MS): a request not answered in time gets 504 with an
 * OperationOutcome, and the work still running for it is cancelled: the store cancels its statement and rolls its
 * transaction back (src/kernel/cancellation.ts, src/store/database.ts). Receiving the request is bounded apart,
 * by REQUEST_TIMEOUT_MS (408).
 */
export function requestDeadline(deadlineMs: number): RequestHandler {
  return (req, res, next) => {
    if (!deadlineMs) return next();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // Processing starts when the request is in: a slow upload is REQUEST_TIMEOUT_MS's business (408).
    const start = () => {
      timer = setTimeout(() => {
        const err = new DeadlineExceeded(deadlineMs);
        sendError(res, err, formatOf(req.get('accept')), res.locals.logger);
        controller.abort(err);
      }, deadlineMs);
    };
    // `complete` turns true once the whole body has arrived, whether or not anything has read it yet. Waiting for
    // 'end' instead would wait for a reader, and authentication runs before the body is read: a request whose
    // authentication hung on the database then never met its deadline.
    const startWhenReceived = () => (req.complete ? start() : (timer = setTimeout(startWhenReceived, 20)));
    startWhenReceived();
    // 'close' comes when the response is complete, and when the client went away first.
    res.on('close', () => clearTimeout(timer));
    runCancellable(controller.signal, next);
  };
}

function formatOf(accept: string | undefined): Format {
  try {
    return responseFormat(undefined, accept);
  } catch {
    return 'json';
  }
}
