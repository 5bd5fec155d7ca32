import { Duplex } from 'node:stream';
import { answerClientError } from '../../src/http/client-error';

/** A socket that records what is written to it. */
function fakeSocket(): { socket: Duplex; written: () => string; destroyed: () => boolean } {
  const chunks: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { socket, written: () => Buffer.concat(chunks).toString(), destroyed: () => socket.destroyed };
}

const answer = (code: string) => {
  const { socket, written } = fakeSocket();
  answerClientError(Object.assign(new Error(code), { code }), socket);
  const text = written();
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
  return { statusLine: text.split('\r\n')[0], text, body };
};

describe('answerClientError', () => {
  it.each([
    [
      'HPE_HEADER_OVERFLOW',
      'HTTP/1.1 431 Request Header Fields Too Large',
      /headers are larger than the limit of 16 KB/,
    ],
    ['ERR_HTTP_REQUEST_TIMEOUT', 'HTTP/1.1 408 Request Timeout', /not received completely within \d+ ms/],
    ['HPE_INVALID_METHOD', 'HTTP/1.1 400 Bad Request', /not valid HTTP/],
  ])('answers %s with %s and an OperationOutcome', (code, statusLine, diagnostics) => {
    const { statusLine: line, text, body } = answer(code);
    expect(line).toBe(statusLine);
    expect(text).toMatch(/\r\nContent-Type: application\/fhir\+json; charset=utf-8\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].diagnostics).toMatch(diagnostics);
  });

  it('writes nothing to a connection the client reset', () => {
    const { socket, written, destroyed } = fakeSocket();
    answerClientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), socket);
    expect(written()).toBe('');
    expect(destroyed()).toBe(true);
  });

  it('answers on a keep-alive connection whose earlier responses are finished (the fuzz suite saw hang-ups)', () => {
    const { socket, written } = fakeSocket();
    Object.assign(socket, { bytesWritten: 512, _httpMessage: null });
    answerClientError(Object.assign(new Error('big'), { code: 'HPE_HEADER_OVERFLOW' }), socket);
    expect(written()).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('writes nothing while a response on the connection is under way', () => {
    const { socket, written, destroyed } = fakeSocket();
    Object.assign(socket, { _httpMessage: { headersSent: true } });
    answerClientError(Object.assign(new Error('big'), { code: 'HPE_HEADER_OVERFLOW' }), socket);
    expect(written()).toBe('');
    expect(destroyed()).toBe(true);
  });
});
