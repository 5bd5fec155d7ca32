import { createHash } from 'node:crypto';
import type { Position } from '../../store/search/match-query';
import { badRequest } from '../errors';

/** Where a page starts: after (next) or before (previous) the row with these sort values. */
export interface Cursor {
  direction: 'next' | 'previous';
  position: Position;
}

interface CursorJson {
  d: 'n' | 'p';
  v: Array<string | null>;
  /** Fingerprint of the search the cursor belongs to. */
  q: string;
}

// Parameters that change what a page shows, not which rows match or their order: a cursor survives them.
const PRESENTATION = new Set(['_count', '_total', '_elements', '_summary', '_include', '_revinclude']);

/** A short fingerprint of the filters and sort, so a cursor cannot be replayed against another search. */
export function searchFingerprint(resourceType: string, used: ReadonlyArray<[string, string]>): string {
  const shaping = used.filter(([key]) => !PRESENTATION.has(key.split(':')[0]));
  return createHash('sha256')
    .update(JSON.stringify([resourceType, shaping]))
    .digest('base64url')
    .slice(0, 12);
}

/** The opaque `_cursor` value: base64url JSON of the boundary row's sort values (id last). */
export function encodeCursor(cursor: Cursor, fingerprint: string): string {
  const json: CursorJson = {
    d: cursor.direction === 'next' ? 'n' : 'p',
    v: [...cursor.position],
    q: fingerprint,
  };
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

export function decodeCursor(text: string, fingerprint: string, width: number): Cursor {
  let json: Partial<CursorJson>;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<CursorJson>;
  } catch {
    throw badRequest('Invalid _cursor', '_cursor');
  }
  const valid =
    (json.d === 'n' || json.d === 'p') &&
    Array.isArray(json.v) &&
    json.v.length === width &&
    json.v.every((v) => v === null || typeof v === 'string');
  if (!valid) throw badRequest('Invalid _cursor', '_cursor');
  if (json.q !== fingerprint) throw badRequest('This _cursor belongs to a different search', '_cursor');
  return { direction: json.d === 'n' ? 'next' : 'previous', position: json.v as Array<string | null> };
}
