import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, operationOutcome } from '../kernel/outcome';

interface Answer {
  status: number;
  code: OperationOutcomeIssue['code'];
  message: string;
}

function answerFor(code: string | undefined, timeoutMs: number): Answer {
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      code: 'too-costly',
      message: `The request headers are larger than the limit of ${Math.round(http.maxHeaderSize / 1024)} KB; send fewer or shorter headers`,
    };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT')
    return {
      status: 408,
      code: 'timeout',
      message: `The request was not received completely within ${timeoutMs} ms (REQUEST_TIMEOUT_MS); send the headers and the whole body without pausing`,
    };
  return { status: 400, code: 'structure', message: 'The request is not valid HTTP/1.1' };
}

/**
 * For http.Server's 'clientError': requests Node refuses before express sees them (oversized headers, malformed
 * HTTP, a stalled request) get a FHIR OperationOutcome too, not Node's bare status line.
 */
export function answerClientError(
  err: Error & { code?: string },
  socket: Duplex,
  timeoutMs: number = http.createServer().requestTimeout,
): void {
  // Node's own check (lib/_http_server.js): an answer already begun on this keep-alive connection cannot be
  // replaced; a connection that only carried finished responses can still get a status line.
  const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  const answer = answerFor(err.code, timeoutMs);
  const body = JSON.stringify(operationOutcome([issue(answer.code, answer.message)]));
  socket.end(
    [
      `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status]}`,
      'Content-Type: application/fhir+json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
