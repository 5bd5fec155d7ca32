import type { Resource } from '@medplum/fhirtypes';
import type { AccessRestriction } from '../../kernel/access-restriction';
import type { Queryable } from '../database';
import { SqlParams } from '../lookups/lookup';
import { accessSql } from './access-sql';
import { filterSql, type Filter } from './filter-sql';
import { keysetSql, orderBy, sortColumns, type SortKey } from './keyset';

/** A search as the store runs it: current, non-deleted resources of one type that pass every filter. */
export interface MatchQuery {
  resourceType: string;
  filters: readonly Filter[];
  sort: readonly SortKey[];
  access?: AccessRestriction;
  baseUrl?: string;
}

/** The sort values (as text, id last) of a row: what a paging cursor remembers. */
export type Position = ReadonlyArray<string | null>;

export interface PageRequest {
  count: number;
  /** Rows after this position (next page) … */
  after?: Position;
  /** … or before it (previous page). */
  before?: Position;
}

export interface MatchPage {
  rows: Array<{ resource: Resource; position: Position }>;
  /** Whether more rows lie beyond the page in the direction it was read. */
  more: boolean;
}

function whereSql(sql: SqlParams, query: MatchQuery, alias: string): string {
  const scope = { sql, baseUrl: query.baseUrl, access: query.access, depth: 0 };
  const parts = [`${alias}.resource_type = ${sql.add(query.resourceType)}`, `NOT ${alias}.deleted`];
  for (const filter of query.filters) parts.push(filterSql(scope, query.resourceType, filter, alias));
  if (query.access) parts.push(accessSql(sql, query.access, alias));
  return parts.join('\n  AND ');
}

/** The SQL of one page (exported for plan tests): keyset paging on the sort keys, never OFFSET. */
export function pageSql(
  query: MatchQuery,
  page: PageRequest,
): { text: string; values: unknown[]; width: number } {
  const sql = new SqlParams();
  const columns = sortColumns(sql, query.resourceType, query.sort, 'r');
  const where = whereSql(sql, query, 'r');
  const names = columns.map((_, i) => `m.k${i}`);
  const reverse = !!page.before;
  const position = page.before ?? page.after;
  const keyset = position ? `WHERE ${keysetSql(sql, columns, names, position, reverse)}` : '';
  const text = `SELECT m.content, ${names.map((n, i) => `${n}::text AS p${i}`).join(', ')}
FROM (SELECT r.content, ${columns.map((c, i) => `${c.expr} AS k${i}`).join(', ')} FROM resource r
  WHERE ${where}) m
${keyset}
ORDER BY ${orderBy(columns, names, reverse)}
LIMIT ${sql.add(page.count + 1)}`;
  return { text, values: sql.values, width: columns.length };
}

export async function findPage(q: Queryable, query: MatchQuery, page: PageRequest): Promise<MatchPage> {
  const { text, values, width } = pageSql(query, page);
  const res = await q.query<Record<string, unknown>>(text, values);
  const rows = res.rows.slice(0, page.count).map((row) => ({
    resource: row.content as Resource,
    position: Array.from({ length: width }, (_, i) => (row[`p${i}`] as string | null) ?? null),
  }));
  if (page.before) rows.reverse();
  return { rows, more: res.rows.length > page.count };
}

/** The number of matches, with the same filters and access restriction. */
export async function countMatches(q: Queryable, query: MatchQuery): Promise<number> {
  const sql = new SqlParams();
  const res = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM resource r WHERE ${whereSql(sql, query, 'r')}`,
    sql.values,
  );
  return res.rows[0].n;
}
