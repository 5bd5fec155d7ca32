import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Position } from '../../store/search/match-query';
import type { SortKey } from '../../store/search/keyset';
import { hasLoneSurrogate } from '../../kernel/unicode';
import { badRequest } from '../../kernel/outcome';
import { FORMAT_PARAMS, RESULT_PARAMS } from './result-params';

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
const PRESENTATION = new Set<string>([...RESULT_PARAMS.filter((p) => p !== '_sort'), ...FORMAT_PARAMS]);

/** A short fingerprint of the filters and sort, so a cursor cannot be replayed against another search. */
export function searchFingerprint(resourceType: string, used: ReadonlyArray<[string, string]>): string {
  const shaping = used.filter(([key]) => !PRESENTATION.has(key.split(':')[0]));
  return createHash('sha256')
    .update(JSON.stringify([resourceType, shaping]))
    .digest('base64url')
    .slice(0, 12);
}

const invalidCursor = (why: string) =>
  badRequest(`The _cursor ${why}; restart from the first page (the same search without _cursor)`, '_cursor');

const mac = (key: Uint8Array, body: string) => createHmac('sha256', key).update(body).digest();

/**
 * `base64url(json).base64url(HMAC-SHA256)`: the server's key signs every cursor it hands out, so a client cannot
 * forge one (its values end up in SQL). The key is shared by all instances on one database.
 */
export function sealCursor(key: Uint8Array, payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** The payload of a cursor this server signed; anything else is a 400 that tells the client to start over. */
export function openCursor(key: Uint8Array, text: string): unknown {
  const [body, signature, ...rest] = text.split('.');
  const given = Buffer.from(signature ?? '', 'base64url');
  const expected = mac(key, body);
  if (rest.length || given.length !== expected.length || !timingSafeEqual(given, expected))
    throw invalidCursor('is not one this server issued (or it was changed)');
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw invalidCursor('is not readable');
  }
}

/** The opaque `_cursor` value: the boundary row's sort values (id last), signed. */
export function encodeCursor(key: Uint8Array, cursor: Cursor, fingerprint: string): string {
  const json: CursorJson = {
    d: cursor.direction === 'next' ? 'n' : 'p',
    v: [...cursor.position],
    q: fingerprint,
  };
  return sealCursor(key, json);
}

// The text forms PostgreSQL gives for the sort key types (timestamptz::text, numeric::text).
const TIMESTAMP =
  /^\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-4]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-]\d\d(:\d\d){0,2}( BC)?$|^-?infinity$/;
const NUMERIC = /^-?\d{1,1000}(\.\d{1,1000})?$|^NaN$/;
const MAX_TEXT = 8192;

/** The SQL type a sort key's cursor value is cast to (mirrors store/search/keyset.ts). */
function sortType(key: SortKey | undefined): string {
  if (!key || key.column === 'id') return 'text';
  if (key.column === 'last_updated') return 'timestamptz';
  return key.lookup?.sortKey(key.descending).type ?? 'text';
}

function fitsType(value: string | null, type: string): boolean {
  if (value === null) return true;
  if (type === 'timestamptz') return TIMESTAMP.test(value);
  if (type === 'numeric') return NUMERIC.test(value);
  return value.length <= MAX_TEXT && !hasLoneSurrogate(value) && !value.includes('\u0000');
}

/**
 * A cursor for this search: signed by this server, for the same filters and sort (`fingerprint`), with one value
 * of the right SQL type per sort key (`sort`, plus the id tie-breaker when id is not among them).
 */
export function decodeCursor(
  key: Uint8Array,
  text: string,
  fingerprint: string,
  sort: readonly SortKey[],
): Cursor {
  const json = openCursor(key, text) as Partial<CursorJson> | null;
  if (json?.q !== fingerprint) throw invalidCursor('belongs to a different search');
  const keys: Array<SortKey | undefined> = sort.some((k) => k.column === 'id')
    ? [...sort]
    : [...sort, undefined];
  const valid =
    (json.d === 'n' || json.d === 'p') &&
    Array.isArray(json.v) &&
    json.v.length === keys.length &&
    json.v.every((v, i) => (v === null || typeof v === 'string') && fitsType(v, sortType(keys[i])));
  if (!valid) throw invalidCursor('does not fit this search');
  return { direction: json.d === 'n' ? 'next' : 'previous', position: json.v as Array<string | null> };
}

interface HistoryCursorJson {
  h: string;
  s: number;
}

/** History pages by sequence number: the signed cursor holds the exclusive upper bound and the history's path. */
export const encodeHistoryCursor = (key: Uint8Array, path: string, beforeSeq: number): string =>
  sealCursor(key, { h: path, s: beforeSeq } satisfies HistoryCursorJson);

export function decodeHistoryCursor(key: Uint8Array, text: string, path: string): number {
  const json = openCursor(key, text) as Partial<HistoryCursorJson> | null;
  if (json?.h !== path) throw invalidCursor('belongs to a different history');
  if (!Number.isSafeInteger(json.s) || (json.s as number) < 1)
    throw invalidCursor('does not fit this history');
  return json.s as number;
}
