import type { Lookup, SqlParams } from '../lookups/lookup';
import type { ResourceColumn } from './column-sql';

/** One _sort key: a parameter's index (aggregated per resource) or a resource column. */
export interface SortKey {
  param: string;
  descending: boolean;
  lookup?: Lookup;
  column?: ResourceColumn;
}

/** A sort key as SQL: the expression computed per matching row and its type (for casting cursor values). */
export interface SortColumn {
  expr: string;
  type: string;
  descending: boolean;
  /** A subquery per row (a parameter's index), not a column of the row. */
  computed?: boolean;
}

/** The SQL of each sort key for row `alias`; `id` is always the last key, so the order is total. */
export function sortColumns(
  sql: SqlParams,
  resourceType: string,
  keys: readonly SortKey[],
  alias: string,
): SortColumn[] {
  const columns = keys.map((key): SortColumn => {
    if (key.column === 'id') return { expr: `${alias}.id`, type: 'text', descending: key.descending };
    if (key.column === 'last_updated')
      return { expr: `${alias}.last_updated`, type: 'timestamptz', descending: key.descending };
    const lookup = key.lookup as Lookup;
    const { expr, type } = lookup.sortKey(key.descending);
    return {
      expr: `(SELECT ${expr} FROM ${lookup.table} t WHERE t.resource_type = ${sql.add(resourceType)}
        AND t.param = ${sql.add(key.param)} AND t.id = ${alias}.id)`,
      type,
      descending: key.descending,
      computed: true,
    };
  });
  if (!keys.some((k) => k.column === 'id'))
    columns.push({ expr: `${alias}.id`, type: 'text', descending: false });
  return columns;
}

/** ORDER BY for the columns named `names`; `reverse` walks backwards (for the previous page). Nulls sort last. */
export function orderBy(columns: readonly SortColumn[], names: readonly string[], reverse: boolean): string {
  return columns
    .map((c, i) => {
      const desc = c.descending !== reverse;
      return `${names[i]} ${desc ? 'DESC' : 'ASC'} NULLS ${reverse ? 'FIRST' : 'LAST'}`;
    })
    .join(', ');
}

/**
 * Keyset predicate: rows strictly after (or, with `reverse`, before) the row whose sort values are `values`,
 * in the order of orderBy(). Expanded as (k1 > v1) OR (k1 = v1 AND k2 > v2) OR …, with nulls last.
 */
export function keysetSql(
  sql: SqlParams,
  columns: readonly SortColumn[],
  names: readonly string[],
  values: ReadonlyArray<string | null>,
  reverse: boolean,
): string {
  const value = (i: number) => `${sql.add(values[i])}::${columns[i].type}`;
  const equal = (i: number) => (values[i] === null ? `${names[i]} IS NULL` : `${names[i]} = ${value(i)}`);
  const beyond = (i: number) => {
    const forward = columns[i].descending ? '<' : '>';
    const backward = columns[i].descending ? '>' : '<';
    if (!reverse)
      return values[i] === null ? 'false' : `(${names[i]} ${forward} ${value(i)} OR ${names[i]} IS NULL)`;
    return values[i] === null ? `${names[i]} IS NOT NULL` : `${names[i]} ${backward} ${value(i)}`;
  };
  const alternatives = columns.map((_, i) =>
    [...columns.slice(0, i).map((__, j) => equal(j)), beyond(i)].join(' AND '),
  );
  return `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}
