import type { TypedValue } from '@medplum/core';
import { badRequest } from '../../kernel/outcome';
import {
  asObject,
  asString,
  escapeLike,
  indexKey,
  indexPrefix,
  normaliseText,
  splitBars,
  uniqueRows,
  type IndexRow,
  type Lookup,
  type MatchInput,
  type SqlParams,
} from './lookup';

type TokenRow = { system: string | null; value: string | null; display: string | null };

const display = (text: unknown): string | null => {
  const s = asString(text);
  return s ? indexPrefix(normaliseText(s)) : null;
};

/** system and value as index keys (long ones hashed, see indexKey); search keys its values the same way. */
const key = (text: string | undefined): string | null => (text === undefined ? null : indexKey(text));

function codingRow(coding: Record<string, unknown>): TokenRow {
  return {
    system: key(asString(coding.system)),
    value: key(asString(coding.code)),
    display: display(coding.display),
  };
}

function codeableConceptRows(cc: Record<string, unknown>): TokenRow[] {
  const codings = Array.isArray(cc.coding) ? cc.coding.map(asObject).filter((c) => !!c) : [];
  const rows = codings.map(codingRow);
  // CodeableConcept.text is searchable with :text only, so it gets a row without code.
  if (asString(cc.text)) rows.push({ system: null, value: null, display: display(cc.text) });
  return rows;
}

/** Rows for one FHIRPath result, by its FHIR type (guessing from the shape when the schema gave none). */
function rowsFor(tv: TypedValue): TokenRow[] {
  const v = tv.value as unknown;
  if (typeof v === 'boolean' || typeof v === 'number')
    return [{ system: null, value: String(v), display: null }];
  if (typeof v === 'string') return [{ system: null, value: indexKey(v), display: null }];
  const o = asObject(v);
  if (!o) return [];
  if (tv.type === 'CodeableConcept' || Array.isArray(o.coding) || (tv.type !== 'Coding' && 'text' in o))
    return codeableConceptRows(o);
  if (tv.type === 'Coding' || 'code' in o) return [codingRow(o)];
  // Identifier and ContactPoint: system|value (ContactPoint.system is phone, email, … as in Medplum).
  return [{ system: key(asString(o.system)), value: key(asString(o.value)), display: null }];
}

/** Tokens: codes, Codings, CodeableConcepts, Identifiers, ContactPoints and booleans. Codes match exactly. */
export const tokenLookup: Lookup = {
  table: 'search_token',
  columns: [
    { name: 'system', type: 'text[]' },
    { name: 'value', type: 'text[]' },
    { name: 'display', type: 'text[]' },
  ],
  modifiers: ['not', 'text'],

  extract(values: TypedValue[]): IndexRow[] {
    return uniqueRows(values.flatMap(rowsFor).filter((r) => r.value !== null || r.display !== null));
  },

  match(sql: SqlParams, input: MatchInput): string {
    if (input.modifier === 'text') {
      return `t.display LIKE ${sql.add(`${escapeLike(indexPrefix(normaliseText(input.value)))}%`)}`;
    }
    // R4 search.html#token: [code], [system]|[code], |[code] (no system), [system]| (any code in system).
    const [first, second] = splitBars(input.value, 2);
    if (second === undefined) {
      if (first === '') throw badRequest(`Empty token value for '${input.name}'`, input.name);
      return `t.value = ${sql.add(indexKey(first))}`;
    }
    if (first === '' && second === '') throw badRequest(`Empty token value for '${input.name}'`, input.name);
    if (first === '') return `(t.system IS NULL AND t.value = ${sql.add(indexKey(second))})`;
    if (second === '') return `t.system = ${sql.add(indexKey(first))}`;
    return `(t.system = ${sql.add(indexKey(first))} AND t.value = ${sql.add(indexKey(second))})`;
  },

  negates: (modifier) => modifier === 'not',

  sortKey: (descending) => ({ expr: descending ? 'max(t.value)' : 'min(t.value)', type: 'text' }),
};
