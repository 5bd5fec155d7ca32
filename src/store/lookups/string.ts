import type { TypedValue } from '@medplum/core';
import {
  asObject,
  asString,
  escapeLike,
  indexKey,
  indexPrefix,
  normaliseText,
  uniqueRows,
  type IndexRow,
  type Lookup,
  type MatchInput,
  type SqlParams,
} from './lookup';

const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');

/** The texts a value offers to string search (R4 search.html#string: HumanName and Address by their parts). */
function textsOf(tv: TypedValue): string[] {
  const v = tv.value as unknown;
  if (typeof v === 'string') return [v];
  const o = asObject(v);
  if (!o) return [];
  if (tv.type === 'HumanName' || 'family' in o || 'given' in o) {
    return [
      ...strings(o.family),
      ...strings(o.given),
      ...strings(o.prefix),
      ...strings(o.suffix),
      ...strings(o.text),
    ];
  }
  if (tv.type === 'Address' || 'line' in o || 'city' in o || 'postalCode' in o) {
    const parts = [o.line, o.city, o.district, o.state, o.postalCode, o.country, o.text];
    return parts.flatMap(strings);
  }
  return strings(asString(o.text) ?? asString(o.value) ?? asString(o.display));
}

/** Strings: prefix match ignoring case and accents by default, :exact and :contains. */
export const stringLookup: Lookup = {
  table: 'search_string',
  columns: [
    { name: 'value', type: 'text[]' },
    { name: 'raw', type: 'text[]' },
  ],
  modifiers: ['exact', 'contains'],

  extract(values: TypedValue[]): IndexRow[] {
    return uniqueRows(
      // value: the normalised start, for prefix and :contains search; raw: the exact-match key (indexKey).
      values
        .flatMap(textsOf)
        .map((text) => ({ value: indexPrefix(normaliseText(text)), raw: indexKey(text) })),
    );
  },

  match(sql: SqlParams, input: MatchInput): string {
    if (input.modifier === 'exact') return `t.raw = ${sql.add(indexKey(input.value))}`;
    const text = escapeLike(indexPrefix(normaliseText(input.value)));
    // The prefix LIKE uses the text_pattern_ops btree; :contains uses the trigram GIN index.
    if (input.modifier === 'contains') return `t.value LIKE ${sql.add(`%${text}%`)}`;
    return `t.value LIKE ${sql.add(`${text}%`)}`;
  },

  sortKey: (descending) => ({ expr: descending ? 'max(t.value)' : 'min(t.value)', type: 'text' }),
};
