import type { Queryable } from './database';

/** Whether the store holds at least one current (not deleted) resource of `resourceType`. */
export async function hasAnyResource(q: Queryable, resourceType: string): Promise<boolean> {
  const res = await q.query('SELECT 1 FROM resource WHERE resource_type = $1 AND NOT deleted LIMIT 1', [
    resourceType,
  ]);
  return (res.rowCount ?? 0) > 0;
}
