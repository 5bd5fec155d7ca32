import type { Queryable } from '../database';
import type { IndexRow, Lookup } from './lookup';
import { ALL_LOOKUPS } from './lookup-kinds';
import { insertCareRelations, RELATION_TABLES, type CareRelations } from '../access-relations';

/** The index rows of one resource: per lookup, rows tagged with their parameter; and its patient compartments. */
export interface ResourceIndex {
  rows: Map<Lookup, Array<{ param: string; row: IndexRow }>>;
  patientIds: readonly string[];
  /** The care relations the resource causes (who may see which patient), written and removed with it. */
  relations?: CareRelations;
}

// Table names are constants of the lookups, never user input.
const OWNED_TABLES = [...ALL_LOOKUPS.map((l) => l.table), 'resource_compartment', ...RELATION_TABLES];

/** Removes every index, compartment and care relation row of (type, id) in one statement. */
export async function deleteIndexRows(tx: Queryable, resourceType: string, id: string): Promise<void> {
  const [last, ...others] = OWNED_TABLES;
  const ctes = others.map(
    (table, i) => `d${i} AS (DELETE FROM ${table} WHERE resource_type = $1 AND id = $2)`,
  );
  await tx.query(`WITH ${ctes.join(', ')} DELETE FROM ${last} WHERE resource_type = $1 AND id = $2`, [
    resourceType,
    id,
  ]);
}

async function insertRows(
  tx: Queryable,
  lookup: Lookup,
  resourceType: string,
  id: string,
  rows: Array<{ param: string; row: IndexRow }>,
): Promise<void> {
  // One INSERT per table: each column travels as an array and unnest() turns them back into rows.
  const columns = lookup.columns.map((c) => c.name);
  const arrays = lookup.columns.map((c, i) => `$${i + 4}::${c.type}`);
  await tx.query(
    `INSERT INTO ${lookup.table} (resource_type, id, param, ${columns.join(', ')})
     SELECT $1, $2, u.* FROM unnest($3::text[], ${arrays.join(', ')}) AS u`,
    [resourceType, id, rows.map((r) => r.param), ...columns.map((c) => rows.map((r) => r.row[c] ?? null))],
  );
}

/**
 * Replaces all index rows of a resource (the caller's transaction makes this atomic with the resource write).
 * With `versionId`, that version also keeps its compartment and reference rows, for access-filtered history.
 */
export async function replaceIndexRows(
  tx: Queryable,
  resourceType: string,
  id: string,
  index: ResourceIndex,
  versionId?: number,
): Promise<void> {
  await deleteIndexRows(tx, resourceType, id);
  for (const [lookup, rows] of index.rows) {
    if (rows.length) await insertRows(tx, lookup, resourceType, id, rows);
  }
  const patientIds = [...new Set(index.patientIds)];
  if (patientIds.length) {
    await tx.query(
      `INSERT INTO resource_compartment (resource_type, id, patient_id) SELECT $1, $2, unnest($3::text[])`,
      [resourceType, id, patientIds],
    );
  }
  if (index.relations) await insertCareRelations(tx, [{ resourceType, id, relations: index.relations }]);
  if (versionId !== undefined) await insertVersionRows(tx, resourceType, id, versionId, index, patientIds);
}

async function insertVersionRows(
  tx: Queryable,
  resourceType: string,
  id: string,
  versionId: number,
  index: ResourceIndex,
  patientIds: string[],
): Promise<void> {
  const refs = [...index.rows]
    .filter(([lookup]) => lookup.table === 'search_reference')
    .flatMap(([, rows]) => rows.filter((r) => typeof r.row.ref === 'string'));
  await tx.query(
    `WITH c AS (INSERT INTO version_compartment (resource_type, id, version_id, patient_id)
       SELECT $1, $2, $3, unnest($4::text[]) ON CONFLICT DO NOTHING)
     INSERT INTO version_reference (resource_type, id, version_id, param, ref)
       SELECT $1, $2, $3, u.param, u.ref FROM unnest($5::text[], $6::text[]) AS u(param, ref)`,
    [resourceType, id, versionId, patientIds, refs.map((r) => r.param), refs.map((r) => r.row.ref)],
  );
}

/**
 * A deletion: its marker (the current version) keeps the compartment and reference rows of the content it
 * removed, so history judges it by that content; then the resource's index rows go.
 */
export async function retireIndexRows(tx: Queryable, resourceType: string, id: string): Promise<void> {
  await tx.query(
    `WITH v AS (SELECT version_id FROM resource WHERE resource_type = $1 AND id = $2),
       c AS (INSERT INTO version_compartment (resource_type, id, version_id, patient_id)
         SELECT $1, $2, v.version_id, c.patient_id FROM resource_compartment c, v
         WHERE c.resource_type = $1 AND c.id = $2 ON CONFLICT DO NOTHING)
     INSERT INTO version_reference (resource_type, id, version_id, param, ref)
       SELECT $1, $2, v.version_id, s.param, s.ref FROM search_reference s, v
       WHERE s.resource_type = $1 AND s.id = $2 AND s.ref IS NOT NULL`,
    [resourceType, id],
  );
  await deleteIndexRows(tx, resourceType, id);
}
