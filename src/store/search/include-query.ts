import type { Resource } from '@medplum/fhirtypes';
import type { AccessRestriction } from '../../kernel/access-restriction';
import type { Queryable } from '../database';
import { SqlParams } from '../lookups/lookup';
import { runPrepared } from '../prepared';
import { accessSql } from './access-sql';

/** `_include=Source:param[:Target]` or `_revinclude=Source:param[:Target]`. */
export interface IncludeRequest {
  sourceType: string;
  param: string;
  targetType?: string;
  reverse: boolean;
}

// A guard against includes that would fetch a large part of the database for one page.
export const MAX_INCLUDED = 1000;

/**
 * Resources that `from` reference through each request's parameter (_include), or that reference `from`
 * (_revinclude), through the reference index, current and visible to the caller only. All requests in ONE
 * statement (a UNION ALL of their selects), so that a page with four _include parameters costs one round trip,
 * not four; a resource that two requests include comes back twice.
 */
export async function findIncludedAll(
  q: Queryable,
  requests: readonly IncludeRequest[],
  from: ReadonlyArray<{ resourceType: string; id: string }>,
  access: AccessRestriction | undefined,
): Promise<Resource[]> {
  const sql = new SqlParams();
  const selects = requests.flatMap((request) => {
    const one = includeSelect(sql, request, from, access);
    return one ? [one] : [];
  });
  if (selects.length === 0) return [];
  const res = await runPrepared<{ content: Resource }>(
    q,
    selects.map((s) => `(${s})`).join('\nUNION ALL\n'),
    sql.values,
  );
  return res.rows.map((r) => r.content);
}

function includeSelect(
  sql: SqlParams,
  request: IncludeRequest,
  from: ReadonlyArray<{ resourceType: string; id: string }>,
  access: AccessRestriction | undefined,
): string | undefined {
  const sources = request.reverse
    ? from.filter((f) => !request.targetType || f.resourceType === request.targetType)
    : from.filter((f) => f.resourceType === request.sourceType);
  if (sources.length === 0) return undefined;
  const conditions = [
    `t.resource_type = ${sql.add(request.sourceType)}`,
    `t.param = ${sql.add(request.param)}`,
  ];
  const ids = sql.add(sources.map((f) => f.id));
  let join: string;
  if (request.reverse) {
    join = 'r.resource_type = t.resource_type AND r.id = t.id';
    const types = sql.add(sources.map((f) => f.resourceType));
    conditions.push(
      `(t.target_id, t.target_type) IN (SELECT * FROM unnest(${ids}::text[], ${types}::text[]))`,
    );
  } else {
    join = 'r.resource_type = t.target_type AND r.id = t.target_id';
    conditions.push(`t.id = ANY(${ids}::text[])`);
    if (request.targetType) conditions.push(`t.target_type = ${sql.add(request.targetType)}`);
  }
  conditions.push('NOT r.deleted');
  // The included rows' type, when the request fixes it (a reverse include's source, a typed include's target).
  const type = request.reverse ? request.sourceType : request.targetType;
  if (access) conditions.push(accessSql(sql, access, 'r', 'current', type));
  return `SELECT DISTINCT ON (r.resource_type, r.id) r.content FROM search_reference t JOIN resource r ON ${join}
     WHERE ${conditions.join(' AND ')} LIMIT ${sql.add(MAX_INCLUDED)}`;
}
