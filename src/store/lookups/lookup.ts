import { createHash } from 'node:crypto';
import type { TypedValue } from '@medplum/core';

/** Collects positional parameters while SQL text is assembled, so that user values never enter the text. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** One index row without its owner (resource_type, id) and param: column name → value. */
export type IndexRow = Record<string, string | number | null>;

/** What a lookup needs to turn one search value into SQL. */
export interface MatchInput {
  /** The search value as given (one of the comma-separated alternatives). */
  value: string;
  modifier?: string;
  /** The parameter as written, for the OperationOutcome expression. */
  name: string;
  /** Absolute base of this server, to turn absolute references to it into relative ones. */
  baseUrl?: string;
}

/**
 * One kind of search index (Medplum's "lookups"): it owns its table, the rows written on save and the SQL
 * added when searching. Predicates refer to the table through the alias `t`.
 */
export interface Lookup {
  readonly table: string;
  /** Columns after (resource_type, id, param), with the PostgreSQL array type used to insert them. */
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  /** Modifiers this kind understands (besides :missing, which every kind has). */
  readonly modifiers: readonly string[];
  /** Index rows for the FHIRPath results of one parameter. */
  extract(values: TypedValue[]): IndexRow[];
  /** A predicate over `t` for one search value; throws FhirError 400 for a malformed value. */
  match(sql: SqlParams, input: MatchInput): string;
  /** Whether the modifier turns the filter into "no row matches" (token :not). */
  negates?(modifier: string | undefined): boolean;
  /** The aggregate over `t` that orders resources by this parameter, with its SQL type. */
  sortKey(descending: boolean): { expr: string; type: string };
}

/** Lower-case, accent-free text: 'Geneviève' and 'GENEVIEVE' index alike without a database extension. */
export function normaliseText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Escapes LIKE wildcards in a user value (the default escape character is a backslash). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Values of a FHIRPath result as a plain object when it is one. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Splits a parameter value into its OR-alternatives on unescaped commas (R4 search.html#escaping). Only `\,`
 * is unescaped here; `\|` and `\$` stay for the lookup that knows the value's structure.
 */
export function splitCommas(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === ',') {
      current += ',';
      i++;
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Splits `a|b|c` into at most `max` parts on unescaped bars; the last part keeps any further bars. */
export function splitBars(text: string, max: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) current += text[++i];
    else if (c === '|' && parts.length < max - 1) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Drops duplicate rows (a code repeated in a CodeableConcept, a name given twice). */
export function uniqueRows(rows: IndexRow[]): IndexRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = JSON.stringify(row);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Longest text, in UTF-8 bytes, an index column holds as written. PostgreSQL refuses a btree entry over 2,704
 * bytes, and one entry may hold two such columns (token value and system, identifier value and system).
 * Legal FHIR has no length limit, so longer values are never refused: see indexKey and indexPrefix.
 */
export const MAX_INDEX_BYTES = 1000;

/** How much of a long value its hashed key keeps: room is left for the ` #sha256:<64 hex>` tail. */
export const KEY_PREFIX_BYTES = MAX_INDEX_BYTES - 80;

/**
 * The text as an exact-match index key: itself when it fits MAX_INDEX_BYTES, else its first bytes plus the
 * SHA-256 of the whole text. Stored values and searched values go through this same function, so equality
 * search stays exact for any length, and ordering by the key still follows the value's start.
 */
export function indexKey(text: string): string {
  if (fitsIndex(text)) return text;
  const hash = createHash('sha256').update(text, 'utf8').digest('hex');
  return `${utf8Prefix(text, KEY_PREFIX_BYTES)} #sha256:${hash}`;
}

/**
 * The text cut to at most MAX_INDEX_BYTES, for columns searched by prefix (string, token :text): a prefix
 * search compares the first MAX_INDEX_BYTES bytes of the value, and its search text is cut the same way.
 */
export function indexPrefix(text: string): string {
  return fitsIndex(text) ? text : utf8Prefix(text, MAX_INDEX_BYTES);
}

/** A UTF-16 unit is at most 3 UTF-8 bytes, so short texts need no count. */
const fitsIndex = (text: string) =>
  text.length * 3 <= MAX_INDEX_BYTES || Buffer.byteLength(text, 'utf8') <= MAX_INDEX_BYTES;

/** The longest start of `text` that is at most `bytes` UTF-8 bytes, never splitting a character. */
export function utf8Prefix(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (used + size > bytes) break;
    used += size;
    end += ch.length;
  }
  return text.slice(0, end);
}
