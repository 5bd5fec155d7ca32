import type { TypedValue } from '@medplum/core';
import { badRequest } from '../../kernel/outcome';
import {
  asObject,
  asString,
  indexKey,
  splitBars,
  uniqueRows,
  type IndexRow,
  type Lookup,
  type MatchInput,
  type SqlParams,
} from './lookup';
import { numberComparison } from './number';

/** system and code are index keys (long ones hashed, see indexKey); unit is not in a btree and stays as is. */
const key = (text: string | undefined): string | null => (text === undefined ? null : indexKey(text));

function rowFor(tv: TypedValue): IndexRow | undefined {
  const q = asObject(tv.value);
  if (!q || typeof q.value !== 'number' || !Number.isFinite(q.value)) return undefined;
  return {
    value: q.value,
    system: key(asString(q.system)),
    code: key(asString(q.code)),
    unit: asString(q.unit) ?? null,
  };
}

/**
 * Quantities: [prefix]value|system|code (R4 search.html#quantity). Without a system the code may match the
 * unit too (`5.4||mg`). Units are not converted.
 */
export const quantityLookup: Lookup = {
  table: 'search_quantity',
  columns: [
    { name: 'value', type: 'numeric[]' },
    { name: 'system', type: 'text[]' },
    { name: 'code', type: 'text[]' },
    { name: 'unit', type: 'text[]' },
  ],
  modifiers: [],

  extract(values: TypedValue[]): IndexRow[] {
    return uniqueRows(values.map(rowFor).filter((r): r is IndexRow => !!r));
  },

  match(sql: SqlParams, input: MatchInput): string {
    const [number, system, code] = splitBars(input.value, 3);
    if (system !== undefined && code === undefined)
      throw badRequest(`'${input.name}' needs value, value|system|code or value||code`, input.name);
    const parts = [numberComparison(sql, 't.value', number, input.name)];
    if (system) parts.push(`t.system = ${sql.add(indexKey(system))}`);
    if (code && system) parts.push(`t.code = ${sql.add(indexKey(code))}`);
    else if (code) {
      const keyed = indexKey(code);
      const p = sql.add(keyed);
      parts.push(`(t.code = ${p} OR t.unit = ${keyed === code ? p : sql.add(code)})`);
    }
    return `(${parts.join(' AND ')})`;
  },

  sortKey: (descending) => ({ expr: descending ? 'max(t.value)' : 'min(t.value)', type: 'numeric' }),
};
