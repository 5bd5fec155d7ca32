import type { Duplex } from 'node:stream';
import { issue, operationOutcome } from '../fhir/errors';

// What Node answers itself when no 'clientError' listener exists (lib/_http_server.js), kept for the other errors.
const NODE_DEFAULTS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
};

/**
 * For the server's 'clientError' event. Node answers a request not received within REQUEST_TIMEOUT_MS (headers
 * and body) with a bare 408; this one says what happened, as an OperationOutcome. Other errors get Node's answer.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, timeoutMs: number): void {
  // Node's own check: an answer already begun on this connection cannot be replaced.
  const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') {
    const status = NODE_DEFAULTS[err.code ?? ''] ?? '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`, () => socket.destroy());
    return;
  }
  const body = JSON.stringify(
    operationOutcome([
      issue(
        'timeout',
        `The request was not received completely within ${timeoutMs} ms (REQUEST_TIMEOUT_MS); send the headers and the whole body without pausing`,
      ),
    ]),
  );
  socket.end(
    `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/fhir+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
