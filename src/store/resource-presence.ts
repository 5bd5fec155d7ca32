import type { Queryable } from './database';

/** Whether the store holds at least one current (not deleted) resource of `resourceType`. */
export async function hasAnyResource(q: Queryable, resourceType: string): Promise<boolean> {
  const res = await q.query('SELECT 1 FROM resource WHERE resource_type = $1 AND NOT deleted LIMIT 1', [
    resourceType,
  ]);
  return (res.rowCount ?? 0) > 0;
}

/**
 * Which of `targets` (`Type/id`) the store knows, current or deleted (`Type/id` → deleted): one query for all of
 * them, so the referential-integrity check of a write costs one round trip whatever the number of references.
 */
export async function knownKeys(
  q: Queryable,
  targets: ReadonlyArray<{ resourceType: string; id: string }>,
): Promise<Map<string, boolean>> {
  if (!targets.length) return new Map();
  const res = await q.query<{ resource_type: string; id: string; deleted: boolean }>(
    `SELECT r.resource_type, r.id, r.deleted FROM resource r
       JOIN unnest($1::text[], $2::text[]) AS t(resource_type, id)
         ON r.resource_type = t.resource_type AND r.id = t.id`,
    [targets.map((t) => t.resourceType), targets.map((t) => t.id)],
  );
  return new Map(res.rows.map((r) => [`${r.resource_type}/${r.id}`, r.deleted]));
}
