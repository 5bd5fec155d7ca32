import type { TypedValue } from '@medplum/core';
import { badRequest } from '../../kernel/outcome';
import { uniqueRows, type IndexRow, type Lookup, type MatchInput, type SqlParams } from './lookup';
import { parsePrefix } from './prefix';

const NUMBER = /^[-+]?(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/** The exact value and the range its precision implies: 100 = [99.5, 100.5), 1.50 = [1.495, 1.505). */
export function numberRange(text: string): { value: number; lo: string; hi: string } | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const value = Number(text);
  const decimals = (m[2]?.length ?? 0) - Number(m[3] ?? 0);
  const half = 0.5 * 10 ** -decimals;
  // Formatting with one more digit than the value has keeps float noise (5.3500000000000005) out of the SQL.
  const fmt = (n: number) => (decimals + 1 >= 0 && decimals + 1 <= 20 ? n.toFixed(decimals + 1) : String(n));
  return { value, lo: fmt(value - half), hi: fmt(value + half) };
}

/**
 * The comparison of a stored exact number `column` with a search value (R4 search.html#number): eq and ne use
 * the implicit precision range; the other prefixes compare with the value itself; ap allows 10%.
 */
export function numberComparison(sql: SqlParams, column: string, text: string, name: string): string {
  const { prefix, rest } = parsePrefix(text);
  const r = numberRange(rest);
  if (!r) throw badRequest(`Invalid number '${text}' for '${name}'`, name);
  const v = () => `${sql.add(String(r.value))}::numeric`;
  switch (prefix) {
    case 'eq':
      return `(${column} >= ${sql.add(r.lo)}::numeric AND ${column} < ${sql.add(r.hi)}::numeric)`;
    case 'ne':
      return `NOT (${column} >= ${sql.add(r.lo)}::numeric AND ${column} < ${sql.add(r.hi)}::numeric)`;
    case 'gt':
    case 'sa':
      return `${column} > ${v()}`;
    case 'lt':
    case 'eb':
      return `${column} < ${v()}`;
    case 'ge':
      return `${column} >= ${v()}`;
    case 'le':
      return `${column} <= ${v()}`;
    case 'ap': {
      const margin = Math.abs(r.value) * 0.1;
      return `(${column} >= ${sql.add(String(r.value - margin))}::numeric AND ${column} <= ${sql.add(String(r.value + margin))}::numeric)`;
    }
  }
}

/** Plain numbers (integer, decimal, positiveInt …). */
export const numberLookup: Lookup = {
  table: 'search_number',
  columns: [{ name: 'value', type: 'numeric[]' }],
  modifiers: [],

  extract(values: TypedValue[]): IndexRow[] {
    const numbers = values.map((tv) => tv.value as unknown).filter((v): v is number => typeof v === 'number');
    return uniqueRows(numbers.filter(Number.isFinite).map((value) => ({ value })));
  },

  match(sql: SqlParams, input: MatchInput): string {
    return numberComparison(sql, 't.value', input.value, input.name);
  },

  sortKey: (descending) => ({ expr: descending ? 'max(t.value)' : 'min(t.value)', type: 'numeric' }),
};
