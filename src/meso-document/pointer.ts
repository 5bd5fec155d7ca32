/** JSON Pointer (RFC 6901) helpers. */

export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerOf(...tokens: Array<string | number>): string {
  return tokens.map((t) => '/' + escapeToken(t)).join('');
}

export function childPointer(parent: string, token: string | number): string {
  return parent + '/' + escapeToken(token);
}

/** The pointer as a readable path for messages: "/client/bsn" → "client/bsn", "" → "(document root)". */
export function readablePath(pointer: string): string {
  return pointer === '' ? '(document root)' : pointer.slice(1);
}
