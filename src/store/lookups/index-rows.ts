import type { Queryable } from '../database';
import type { IndexRow, Lookup } from './lookup';
import { ALL_LOOKUPS } from './lookup-kinds';
import { RELATION_TABLES, type CareRelations } from '../access-relations';

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

/** Rows for one table: its columns (with the PostgreSQL array type used to insert them) and value tuples. */
export interface TableRows {
  table: string;
  columns: ReadonlyArray<{ name: string; type: string }>;
  rows: unknown[][];
}

const OWNER = [
  { name: 'resource_type', type: 'text[]' },
  { name: 'id', type: 'text[]' },
];
const VERSION_OWNER = [...OWNER, { name: 'version_id', type: 'integer[]' }];

/**
 * Every row the write path stores for one resource besides the resource itself, table by table: its search
 * index rows and patient compartment and, with `versionId`, that version's own compartment and reference rows
 * (for access-filtered history). Pure, so the repository and the bulk loader store exactly the same rows.
 */
export function indexTableRows(
  resourceType: string,
  id: string,
  index: ResourceIndex,
  versionId?: number,
): TableRows[] {
  const tables: TableRows[] = [];
  for (const [lookup, rows] of index.rows) {
    if (!rows.length) continue;
    tables.push({
      table: lookup.table,
      columns: [...OWNER, { name: 'param', type: 'text[]' }, ...lookup.columns],
      rows: rows.map((r) => [resourceType, id, r.param, ...lookup.columns.map((c) => r.row[c.name] ?? null)]),
    });
  }
  const patientIds = [...new Set(index.patientIds)];
  const compartment = patientIds.map((p) => [resourceType, id, p]);
  tables.push({
    table: 'resource_compartment',
    columns: [...OWNER, { name: 'patient_id', type: 'text[]' }],
    rows: compartment,
  });
  if (index.relations) tables.push(...relationTables(resourceType, id, index.relations));
  if (versionId === undefined) return tables.filter((t) => t.rows.length);
  const refs = [...index.rows]
    .filter(([lookup]) => lookup.table === 'search_reference')
    .flatMap(([, rows]) =>
      rows.filter((r) => typeof r.row.ref === 'string' || typeof r.row.ident_value === 'string'),
    );
  tables.push(
    {
      table: 'version_compartment',
      columns: [...VERSION_OWNER, { name: 'patient_id', type: 'text[]' }],
      rows: patientIds.map((p) => [resourceType, id, versionId, p]),
    },
    {
      table: 'version_reference',
      columns: [
        ...VERSION_OWNER,
        ...['param', 'ref', 'ident_system', 'ident_value'].map((name) => ({ name, type: 'text[]' })),
      ],
      rows: refs.map((r) => [
        resourceType,
        id,
        versionId,
        r.param,
        r.row.ref ?? null,
        r.row.ident_system ?? null,
        r.row.ident_value ?? null,
      ]),
    },
  );
  return tables.filter((t) => t.rows.length);
}

/** The care relation and deny rows a resource causes (src/fhir/access/care-relations.ts), as table rows. */
function relationTables(resourceType: string, id: string, relations: CareRelations): TableRows[] {
  // The same relation may follow from two elements (a member listed twice): the key is unique.
  const unique = new Map(relations.relations.map((r) => [`${r.patientId}\n${r.party}\n${r.reason}`, r]));
  return [
    {
      table: 'care_relation',
      columns: [
        { name: 'patient_id', type: 'text[]' },
        { name: 'party', type: 'text[]' },
        { name: 'reason', type: 'text[]' },
        ...OWNER,
      ],
      rows: [...unique.values()].map((r) => [r.patientId, r.party, r.reason, resourceType, id]),
    },
    {
      table: 'care_deny',
      columns: [
        { name: 'patient_id', type: 'text[]' },
        { name: 'party', type: 'text[]' },
        { name: 'level', type: 'smallint[]' },
        { name: 'deny', type: 'boolean[]' },
        { name: 'starts', type: 'timestamptz[]' },
        { name: 'ends', type: 'timestamptz[]' },
        ...OWNER,
      ],
      rows: relations.denies.map((d) => [
        d.patientId,
        d.party,
        d.level,
        d.deny,
        d.starts,
        d.ends,
        resourceType,
        id,
      ]),
    },
  ];
}

/**
 * Inserts rows into several tables in ONE statement (one round trip): each column travels as an array and
 * unnest() turns them back into rows. Used per resource by the write path and per batch by the bulk loader.
 */
export async function insertTableRows(tx: Queryable, tables: readonly TableRows[]): Promise<void> {
  const nonEmpty = tables.filter((t) => t.rows.length);
  if (!nonEmpty.length) return;
  const values: unknown[] = [];
  const inserts = nonEmpty.map((t) => {
    const arrays = t.columns.map((c, i) => {
      values.push(t.rows.map((row) => row[i]));
      return `$${values.length}::${c.type}`;
    });
    // Table names and column types are constants of the store, never user input.
    return `INSERT INTO ${t.table} (${t.columns.map((c) => c.name).join(', ')})
      SELECT * FROM unnest(${arrays.join(', ')})`;
  });
  const [last, ...others] = inserts.reverse();
  const ctes = others.map((sql, i) => `i${i} AS (${sql})`);
  await tx.query(ctes.length ? `WITH ${ctes.join(', ')} ${last}` : last, values);
}

/**
 * Replaces all index rows of a resource (the caller's transaction makes this atomic with the resource write).
 * With `versionId`, that version also keeps its compartment and reference rows, for access-filtered history.
 * `fresh`: the resource has no current index rows (new, or its last version is a deletion), so none are deleted.
 */
export async function replaceIndexRows(
  tx: Queryable,
  resourceType: string,
  id: string,
  index: ResourceIndex,
  versionId?: number,
  fresh = false,
): Promise<void> {
  if (!fresh) await deleteIndexRows(tx, resourceType, id);
  await insertTableRows(tx, indexTableRows(resourceType, id, index, versionId));
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
     INSERT INTO version_reference (resource_type, id, version_id, param, ref, ident_system, ident_value)
       SELECT $1, $2, v.version_id, s.param, s.ref, s.ident_system, s.ident_value FROM search_reference s, v
       WHERE s.resource_type = $1 AND s.id = $2 AND (s.ref IS NOT NULL OR s.ident_value IS NOT NULL)`,
    [resourceType, id],
  );
  await deleteIndexRows(tx, resourceType, id);
}
