import type { AccessRestriction } from '../../kernel/access-restriction';
import type { Lookup, SqlParams } from '../lookups/lookup';
import { accessSql } from './access-sql';
import { columnSql, type ResourceColumn } from './column-sql';

/** One parsed search parameter (values are OR-ed; several filters are AND-ed). */
export interface Filter {
  /** The parameter as written (e.g. `subject:Patient.name`), for OperationOutcome expressions. */
  name: string;
  /** The SearchParameter code. */
  param: string;
  lookup?: Lookup;
  column?: ResourceColumn;
  modifier?: string;
  values: string[];
  /** A chained reference: the targets (per type) must match these filters. */
  chain?: Array<{ targetType: string; filter: Filter }>;
}

/** Everything the SQL of a filter needs besides the filter itself. */
export interface FilterScope {
  sql: SqlParams;
  baseUrl?: string;
  /** Chained targets are filtered by the caller's access too: a chain must not reveal hidden resources. */
  access?: AccessRestriction;
  /** Alias counter, so nested chains get unique aliases. */
  depth: number;
}

function chainSql(scope: FilterScope, filter: Filter): string {
  const alias = `c${scope.depth}`;
  const inner = { ...scope, depth: scope.depth + 1 };
  const options = (filter.chain ?? []).map(({ targetType, filter: next }) => {
    const type = scope.sql.add(targetType);
    const access = scope.access ? ` AND ${accessSql(scope.sql, scope.access, alias)}` : '';
    return `(t.target_type = ${type} AND t.target_id IN (SELECT ${alias}.id FROM resource ${alias}
      WHERE ${alias}.resource_type = ${type} AND NOT ${alias}.deleted AND ${filterSql(inner, targetType, next, alias)}${access}))`;
  });
  return options.length ? `(${options.join(' OR ')})` : 'false';
}

/**
 * The predicate "row `alias` of `resourceType` matches `filter`": an EXISTS on the lookup's index table, which
 * PostgreSQL runs as a semi-join on the (resource_type, param, value…) btree.
 */
export function filterSql(scope: FilterScope, resourceType: string, filter: Filter, alias: string): string {
  if (filter.column) return columnSql(scope.sql, filter.column, alias, filter.values, filter.name);
  const lookup = filter.lookup as Lookup;
  const t = `t`;
  const head = `SELECT 1 FROM ${lookup.table} ${t} WHERE ${t}.resource_type = ${scope.sql.add(resourceType)}
    AND ${t}.param = ${scope.sql.add(filter.param)} AND ${t}.id = ${alias}.id`;
  if (filter.modifier === 'missing') {
    return filter.values[0] === 'true' ? `NOT EXISTS (${head})` : `EXISTS (${head})`;
  }
  if (filter.chain) return `EXISTS (${head} AND ${chainSql(scope, filter)})`;
  const alternatives = filter.values.map((value) =>
    lookup.match(scope.sql, { value, modifier: filter.modifier, name: filter.name, baseUrl: scope.baseUrl }),
  );
  const exists = `EXISTS (${head} AND (${alternatives.join(' OR ')}))`;
  return lookup.negates?.(filter.modifier) ? `NOT ${exists}` : exists;
}
