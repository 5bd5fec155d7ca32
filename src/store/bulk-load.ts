import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Resource } from '@medplum/fhirtypes';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Queryable } from './database';
import { RELATION_TABLES } from './access-relations';
import { ALL_LOOKUPS } from './lookups/lookup-kinds';
import { insertTableRows, type TableRows } from './lookups/index-rows';

/** A first version to load in bulk: its stored content and every other row the write path stores for it. */
export interface BulkVersion {
  resourceType: string;
  id: string;
  lastUpdated: string;
  /** The content as the write path stores it (meta.versionId 1, narrative, …). */
  content: Resource;
  /** indexTableRows(…, 1): search indexes, compartment, version compartment and references. */
  tables: readonly TableRows[];
}

const text = (name: string) => ({ name, type: 'text[]' });
// The columns `resource` and `resource_version` share, in the order of owner() below.
const VERSION_COLUMNS = [
  text('resource_type'),
  text('id'),
  { name: 'version_id', type: 'integer[]' },
  { name: 'last_updated', type: 'timestamptz[]' },
  { name: 'deleted', type: 'boolean[]' },
];
const CONTENT = { name: 'content', type: 'jsonb[]' };

/**
 * Inserts new resources (version 1, method POST) with all their rows: resource_version, resource and every index
 * table, the rows the write path's functions produce. On a client (a transaction) one COPY per table; elsewhere
 * ONE statement of multi-row unnest() inserts. Fails as a whole (duplicate key) when any of them exists already.
 * Run it in a transaction with the batch's other statements, if any.
 */
export async function insertNewVersions(q: Queryable, versions: readonly BulkVersion[]): Promise<void> {
  if (!versions.length) return;
  const json = versions.map((v) => JSON.stringify(v.content));
  const owner = (v: BulkVersion) => [v.resourceType, v.id, 1, v.lastUpdated, false];
  const tables: TableRows[] = [
    {
      table: 'resource_version',
      columns: [...VERSION_COLUMNS, text('method'), CONTENT],
      rows: versions.map((v, i) => [...owner(v), 'POST', json[i]]),
    },
    {
      table: 'resource',
      columns: [...VERSION_COLUMNS, CONTENT],
      rows: versions.map((v, i) => [...owner(v), json[i]]),
    },
    ...mergeTables(versions.flatMap((v) => v.tables)),
  ];
  if (q instanceof pg.Client) await copyTableRows(q, tables);
  else await insertTableRows(q, tables);
}

/** A value in COPY's text format: \N for null, t/f, and text with backslash, tab and line breaks escaped. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return value.toISOString();
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]);
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * The rows as `COPY table (columns) FROM STDIN`, table by table: PostgreSQL's bulk path, several times cheaper
 * than the same rows as INSERT … unnest() (no parameter arrays to build, send and unpack).
 */
async function copyTableRows(client: pg.Client, tables: readonly TableRows[]): Promise<void> {
  for (const t of tables) {
    if (!t.rows.length) continue;
    // Table and column names are constants of the store, never user input.
    const stream = client.query(
      copyFrom(`COPY ${t.table} (${t.columns.map((c) => c.name).join(', ')}) FROM STDIN`),
    );
    const lines = t.rows.map((row) => `${row.map(copyText).join('\t')}\n`);
    await pipeline(Readable.from(chunks(lines)), stream);
  }
}

/** Lines joined into chunks of about 256 KB, so that the stream is neither one huge string nor many tiny writes. */
function* chunks(lines: readonly string[]): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= 262_144) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** The rows of many resources, one TableRows per table (all rows of a table have the same columns). */
function mergeTables(all: readonly TableRows[]): TableRows[] {
  const byTable = new Map<string, TableRows>();
  for (const t of all) {
    const merged = byTable.get(t.table);
    if (merged) merged.rows.push(...t.rows);
    else byTable.set(t.table, { ...t, rows: [...t.rows] });
  }
  return [...byTable.values()];
}

/** Which of these resources exist already, to refuse loading the same region twice before writing anything. */
export async function existingResources(
  q: Queryable,
  keys: ReadonlyArray<{ resourceType: string; id: string }>,
): Promise<string[]> {
  const res = await q.query<{ ref: string }>(
    `SELECT r.resource_type || '/' || r.id AS ref FROM resource r
     JOIN unnest($1::text[], $2::text[]) AS k(t, i) ON r.resource_type = k.t AND r.id = k.i`,
    [keys.map((k) => k.resourceType), keys.map((k) => k.id)],
  );
  return res.rows.map((r) => r.ref);
}

/** A Patient that already has this identifier (from the search index), or undefined. */
export async function patientWithIdentifier(
  q: Queryable,
  system: string,
  value: string,
): Promise<string | undefined> {
  const res = await q.query<{ id: string }>(
    `SELECT id FROM search_token
     WHERE resource_type = 'Patient' AND param = 'identifier' AND value = $2 AND system = $1 LIMIT 1`,
    [system, value],
  );
  return res.rows[0]?.id;
}

/** Whether the store holds no resource yet (a region loaded into it is then all there is). */
export async function storeIsEmpty(q: Queryable): Promise<boolean> {
  const res = await q.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM resource) AS empty');
  return res.rows[0].empty;
}

/**
 * The bulk load writes every care relation with its resource, so a database that was empty before it needs no
 * rebuild of them at the service's next start (migration 007 asks for one; over a million resources it takes minutes).
 */
export async function markRelationsCurrent(q: Queryable): Promise<void> {
  await q.query(`DELETE FROM store_rebuild WHERE name = 'care_relation'`);
}

/** Updates the planner statistics after a large load, so that the first searches get good plans. */
export async function analyzeAfterLoad(q: Queryable): Promise<void> {
  await q.query('ANALYZE');
}

// Every table a bulk load writes (insertNewVersions).
const LOADED_TABLES = [
  'resource_version',
  'resource',
  ...ALL_LOOKUPS.map((l) => l.table),
  'resource_compartment',
  'version_compartment',
  'version_reference',
  ...RELATION_TABLES,
];

/**
 * Runs a load into an EMPTY store in one transaction with the secondary indexes of the loaded tables dropped, and
 * builds them again, sorted in one pass each, before it commits: for a region several times faster than keeping
 * a dozen btrees current row by row. Primary keys and unique indexes stay (they catch a duplicate). A crash or a
 * failure rolls everything back, the indexes included. The tables are locked until the commit, so nothing else
 * should use the database meanwhile. `load` gets a Database whose transactions are this one.
 */
export async function loadWithoutIndexes<T>(db: Database, load: (inOne: Database) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const indexes = await tx.query<{ name: string; definition: string }>(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
       WHERE c.relname = ANY($1::text[]) AND c.relnamespace = current_schema()::regnamespace
         AND NOT i.indisprimary AND NOT i.indisunique`,
      [LOADED_TABLES],
    );
    // Names from the catalogue (the store's own indexes), quoted by regclass where needed.
    for (const index of indexes.rows) await tx.query(`DROP INDEX ${index.name}`);
    const result = await load({ ...db, transaction: (fn) => fn(tx) });
    await tx.query(`SET LOCAL maintenance_work_mem = '256MB'`);
    for (const index of indexes.rows) await tx.query(index.definition);
    return result;
  });
}
