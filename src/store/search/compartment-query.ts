import type { Resource } from '@medplum/fhirtypes';
import type { AccessRestriction } from '../../kernel/access-restriction';
import type { Queryable } from '../database';
import { SqlParams } from '../lookups/lookup';
import { runPrepared } from '../prepared';
import { accessSql } from './access-sql';
import { MAX_INCLUDED } from './include-query';

/** One page of a Patient compartment (Patient/{id}/$everything), in (resource_type, id) order. */
export interface CompartmentPageQuery {
  patientId: string;
  /** Only these types (always given: the caller's readable types, narrowed by `_type`). */
  types: readonly string[];
  /** Only resources with last_updated >= this instant (`_since`). */
  since?: string;
  access?: AccessRestriction;
  count: number;
  /** Rows after this (resource_type, id) (the next page's cursor). */
  after?: readonly [string, string];
}

export interface CompartmentPage {
  resources: Resource[];
  /** The (resource_type, id) of the last row, when more rows follow. */
  next?: [string, string];
}

/**
 * The SQL of one page (exported for plan tests): the compartment index (patient_id, resource_type) narrows to
 * one patient, the resource primary key fetches each member, and the caller's access restriction is the same
 * predicate search uses. The order (resource_type, id) is total, so keyset paging never skips or repeats.
 */
export function compartmentPageSql(query: CompartmentPageQuery): { text: string; values: unknown[] } {
  const sql = new SqlParams();
  const where = [
    `c.patient_id = ${sql.add(query.patientId)}`,
    `c.resource_type = ANY(${sql.add([...query.types])}::text[])`,
    'NOT r.deleted',
  ];
  if (query.since) where.push(`r.last_updated >= ${sql.add(query.since)}::timestamptz`);
  if (query.after)
    where.push(`(c.resource_type, c.id) > (${sql.add(query.after[0])}, ${sql.add(query.after[1])})`);
  if (query.access) where.push(accessSql(sql, query.access, 'r', 'current'));
  const text = `SELECT r.resource_type, r.id, r.content FROM resource_compartment c
  JOIN resource r ON r.resource_type = c.resource_type AND r.id = c.id
  WHERE ${where.join('\n  AND ')}
  ORDER BY c.resource_type, c.id
  LIMIT ${sql.add(query.count + 1)}`;
  return { text, values: sql.values };
}

export async function findCompartmentPage(
  q: Queryable,
  query: CompartmentPageQuery,
): Promise<CompartmentPage> {
  const { text, values } = compartmentPageSql(query);
  const res = await runPrepared<{ resource_type: string; id: string; content: Resource }>(q, text, values);
  const rows = res.rows.slice(0, query.count);
  const last = rows[rows.length - 1];
  return {
    resources: rows.map((r) => r.content),
    next: res.rows.length > query.count && last ? [last.resource_type, last.id] : undefined,
  };
}

/**
 * The current resources of `targetTypes` that `from` reference (any reference parameter), one level, visible to
 * the caller; each once. For $everything: the practitioners and organisations a care plan names.
 */
export async function findReferenced(
  q: Queryable,
  from: ReadonlyArray<{ resourceType: string; id: string }>,
  targetTypes: readonly string[],
  options: { since?: string; access?: AccessRestriction },
): Promise<Resource[]> {
  if (from.length === 0 || targetTypes.length === 0) return [];
  const sql = new SqlParams();
  const types = sql.add(from.map((f) => f.resourceType));
  const ids = sql.add(from.map((f) => f.id));
  const where = [
    `(t.resource_type, t.id) IN (SELECT * FROM unnest(${types}::text[], ${ids}::text[]))`,
    `t.target_type = ANY(${sql.add([...targetTypes])}::text[])`,
    'NOT r.deleted',
  ];
  if (options.since) where.push(`r.last_updated >= ${sql.add(options.since)}::timestamptz`);
  if (options.access) where.push(accessSql(sql, options.access, 'r', 'current'));
  const res = await runPrepared<{ content: Resource }>(
    q,
    `SELECT DISTINCT ON (r.resource_type, r.id) r.content FROM search_reference t
  JOIN resource r ON r.resource_type = t.target_type AND r.id = t.target_id
  WHERE ${where.join('\n  AND ')}
  ORDER BY r.resource_type, r.id
  LIMIT ${sql.add(MAX_INCLUDED)}`,
    sql.values,
  );
  return res.rows.map((r) => r.content);
}
