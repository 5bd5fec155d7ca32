import type { TypedValue } from '@medplum/core';
import {
  escapeLike,
  indexKey,
  KEY_PREFIX_BYTES,
  uniqueRows,
  utf8Prefix,
  type IndexRow,
  type Lookup,
  type MatchInput,
  type SqlParams,
} from './lookup';

/** The URL itself and every shorter path prefix of it, for :above (a value "above" = a prefix of it). */
function pathPrefixes(url: string): string[] {
  const prefixes: string[] = [];
  for (let i = url.indexOf('/', url.indexOf('//') + 2); i > 0; i = url.indexOf('/', i + 1))
    prefixes.push(url.slice(0, i));
  return [...prefixes, url];
}

/** uri, url, canonical and oid values; exact by default, :below (prefix) and :above (R4 search.html#uri). */
export const uriLookup: Lookup = {
  table: 'search_uri',
  columns: [{ name: 'value', type: 'text[]' }],
  modifiers: ['below', 'above'],

  extract(values: TypedValue[]): IndexRow[] {
    const texts = values
      .map((tv) => tv.value as unknown)
      .filter((v): v is string => typeof v === 'string' && v !== '');
    return uniqueRows(texts.map((value) => ({ value: indexKey(value) })));
  },

  match(sql: SqlParams, input: MatchInput): string {
    // A long value's key keeps its first bytes (indexKey), so :below compares at most that start.
    if (input.modifier === 'below')
      return `t.value LIKE ${sql.add(`${escapeLike(utf8Prefix(input.value, KEY_PREFIX_BYTES))}%`)}`;
    if (input.modifier === 'above')
      return `t.value = ANY(${sql.add(pathPrefixes(input.value).map(indexKey))}::text[])`;
    return `t.value = ${sql.add(indexKey(input.value))}`;
  },

  sortKey: (descending) => ({ expr: descending ? 'max(t.value)' : 'min(t.value)', type: 'text' }),
};
