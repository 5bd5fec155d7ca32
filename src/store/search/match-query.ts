import type { Resource } from '@medplum/fhirtypes';
import type { AccessRestriction } from '../../kernel/access-restriction';
import type { Queryable } from '../database';
import { SqlParams } from '../lookups/lookup';
import { runPrepared } from '../prepared';
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
  /**
   * Walk up to this many matches (more than count + 1) to learn how many there are when they are few: the rows
   * past the page come back without content. Absent: count + 1.
   */
  scan?: number;
  /** Rows after this position (next page) … */
  after?: Position;
  /** … or before it (previous page). */
  before?: Position;
}

export interface MatchPage {
  rows: Array<{ resource: Resource; position: Position }>;
  /** Whether more rows lie beyond the page in the direction it was read. */
  more: boolean;
  /** How many matches the query walked (at most `scan`): all there are, when fewer than `scan`. */
  scanned: number;
}

function whereSql(sql: SqlParams, query: MatchQuery, alias: string): string {
  const scope = { sql, baseUrl: query.baseUrl, access: query.access, depth: 0 };
  const parts = [`${alias}.resource_type = ${sql.add(query.resourceType)}`, `NOT ${alias}.deleted`];
  for (const filter of query.filters) parts.push(filterSql(scope, query.resourceType, filter, alias));
  if (query.access) parts.push(accessSql(sql, query.access, alias, 'current', query.resourceType));
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
  const order = orderBy(columns, names, reverse);
  const positions = names.map((n, i) => `${n}::text AS p${i}`).join(', ');
  // A sort key computed by a subquery is used up to four times (keyset, order, position): OFFSET 0 keeps the
  // subquery from being flattened, so it runs once per match instead of once per use (2x on later pages at 100k).
  const fence = columns.some((c) => c.computed) ? ' OFFSET 0' : '';
  const inner = `FROM (SELECT r.content, ${columns.map((c, i) => `${c.expr} AS k${i}`).join(', ')} FROM resource r
  WHERE ${where}${fence}) m
${keyset}`;
  const scan = Math.max(page.scan ?? 0, page.count + 1);
  if (scan === page.count + 1) {
    const text = `SELECT m.content, ${positions}
${inner}
ORDER BY ${order}
LIMIT ${sql.add(scan)}`;
    return { text, values: sql.values, width: columns.length };
  }
  // Rows past the page only count: no content, no positions (a streaming row_number keeps the walk fast-start).
  const pageRows = sql.add(page.count + 1);
  const text = `SELECT CASE WHEN s.n <= ${pageRows} THEN s.content END AS content, ${names.map((_, i) => `s.p${i}`).join(', ')}
FROM (SELECT m.content, ${positions}, row_number() OVER (ORDER BY ${order}) AS n
${inner}
ORDER BY ${order}
LIMIT ${sql.add(scan)}) s
ORDER BY s.n`;
  return { text, values: sql.values, width: columns.length };
}

export async function findPage(q: Queryable, query: MatchQuery, page: PageRequest): Promise<MatchPage> {
  const { text, values, width } = pageSql(query, page);
  const res = await runPrepared<Record<string, unknown>>(q, text, values);
  const rows = res.rows.slice(0, page.count).map((row) => ({
    resource: row.content as Resource,
    position: Array.from({ length: width }, (_, i) => (row[`p${i}`] as string | null) ?? null),
  }));
  if (page.before) rows.reverse();
  return { rows, more: res.rows.length > page.count, scanned: res.rows.length };
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

/**
 * The number of matches when it is at most `cap`, else undefined: counts no further than cap + 1 rows, in the
 * page's own order, so PostgreSQL plans it like a page (a walk that stops early), never a count of a region.
 */
export async function countMatchesUpTo(
  q: Queryable,
  query: MatchQuery,
  cap: number,
): Promise<number | undefined> {
  const sql = new SqlParams();
  const res = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM resource r WHERE ${whereSql(sql, query, 'r')}
     ORDER BY r.id LIMIT ${sql.add(cap + 1)}) m`,
    sql.values,
  );
  const n = res.rows[0].n;
  return n <= cap ? n : undefined;
}

/** The planner's estimate of the number of matches (EXPLAIN, nothing is run): `_total=estimate`. */
export async function estimateMatches(q: Queryable, query: MatchQuery): Promise<number> {
  const sql = new SqlParams();
  const res = await q.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM resource r WHERE ${whereSql(sql, query, 'r')}`,
    sql.values,
  );
  return Math.round(res.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
}
