import { badRequest } from '../../kernel/outcome';
import { dateRange, timestampText } from '../lookups/date-range';
import type { SqlParams } from '../lookups/lookup';
import { parsePrefix } from '../lookups/prefix';

/** `_id` and `_lastUpdated` are answered from the `resource` row (primary key, resource_type_updated index). */
export type ResourceColumn = 'id' | 'last_updated';

/** _lastUpdated is an instant: a point compared with the range the searched value covers. */
function lastUpdatedSql(sql: SqlParams, column: string, value: string, name: string): string {
  const { prefix, rest } = parsePrefix(value);
  const range = dateRange(rest);
  if (!range) throw badRequest(`Invalid date '${value}' for '${name}'`, name);
  let { lo, hi } = range;
  if (prefix === 'ap') {
    const margin = Math.abs(Date.now() - lo) * 0.1;
    lo -= margin;
    hi += margin;
  }
  const at = (ms: number) => `${sql.add(timestampText(ms))}::timestamptz`;
  switch (prefix) {
    case 'eq':
    case 'ap':
      return `(${column} >= ${at(lo)} AND ${column} < ${at(hi)})`;
    case 'ne':
      return `NOT (${column} >= ${at(lo)} AND ${column} < ${at(hi)})`;
    case 'gt':
    case 'sa':
      return `${column} >= ${at(hi)}`;
    case 'lt':
    case 'eb':
      return `${column} < ${at(lo)}`;
    case 'ge':
      return `${column} >= ${at(lo)}`;
    case 'le':
      return `${column} < ${at(hi)}`;
  }
}

/** One OR-list of values on a resource column of row alias `alias`. */
export function columnSql(
  sql: SqlParams,
  column: ResourceColumn,
  alias: string,
  values: string[],
  name: string,
): string {
  if (column === 'id') return `${alias}.id = ANY(${sql.add(values)}::text[])`;
  return `(${values.map((v) => lastUpdatedSql(sql, `${alias}.last_updated`, v, name)).join(' OR ')})`;
}
