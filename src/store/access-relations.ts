import type { Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from './database';
import { runPrepared } from './prepared';
import { SqlParams } from './lookups/lookup';
import type { RelationKeys } from '../kernel/access-restriction';
export type { RelationKeys } from '../kernel/access-restriction';

/** A care relation: `party` may see `patientId` for `reason` (a PatientSource of the access policy). */
export interface CareRelationRow {
  patientId: string;
  party: string;
  reason: string;
}

/**
 * One party a patient-privacy provision names: `level` 2 = that organisation, 1 = its kind, 0 = everyone;
 * `deny` false is a permit (an exception). `starts`/`ends` are ISO instants, null when open.
 */
export interface CareDenyRow {
  patientId: string;
  party: string;
  level: number;
  deny: boolean;
  starts: string | null;
  ends: string | null;
}

/** The relation rows one resource causes (a pure function of the resource produces them, like index rows). */
export interface CareRelations {
  relations: readonly CareRelationRow[];
  denies: readonly CareDenyRow[];
}

export const RELATION_TABLES = ['care_relation', 'care_deny'] as const;

type Owned = { resourceType: string; id: string; relations: CareRelations };

/** Inserts the relation rows of several resources, two statements in all (their old rows are already gone). */
export async function insertCareRelations(tx: Queryable, owned: readonly Owned[]): Promise<void> {
  const rel = owned.flatMap((o) => o.relations.relations.map((r) => ({ ...r, o })));
  if (rel.length) {
    await tx.query(
      `INSERT INTO care_relation (patient_id, party, reason, resource_type, id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
      [
        rel.map((r) => r.patientId),
        rel.map((r) => r.party),
        rel.map((r) => r.reason),
        rel.map((r) => r.o.resourceType),
        rel.map((r) => r.o.id),
      ],
    );
  }
  const deny = owned.flatMap((o) => o.relations.denies.map((d) => ({ ...d, o })));
  if (deny.length) {
    await tx.query(
      `INSERT INTO care_deny (patient_id, party, level, deny, starts, ends, resource_type, id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::boolean[], $5::timestamptz[],
         $6::timestamptz[], $7::text[], $8::text[])`,
      [
        deny.map((d) => d.patientId),
        deny.map((d) => d.party),
        deny.map((d) => d.level),
        deny.map((d) => d.deny),
        deny.map((d) => d.starts),
        deny.map((d) => d.ends),
        deny.map((d) => d.o.resourceType),
        deny.map((d) => d.o.id),
      ],
    );
  }
}

/** The caller's keys as query parameters, added once per query however often the predicate appears. */
export interface RelationParams {
  parties: string;
  reasons: string;
  names: string;
  /** Appended to the access subqueries: '' or ' OFFSET 0' (see fence). */
  fence: string;
}

/**
 * For a broad caller (RelationKeys.broad) the access subqueries get OFFSET 0, which keeps PostgreSQL from turning
 * them into joins: it would hash every patient of the region for a page of 50 (its estimate of how many rows pass
 * is far too low there). Each candidate row is then checked by two index probes, in the order the search walks,
 * and the walk stops at the page. A narrow caller's (a GP's) patients stay a join the planner may choose.
 */
export const fence = (keys: RelationKeys): string => (keys.broad ? ' OFFSET 0' : '');

export const relationParams = (sql: SqlParams, keys: RelationKeys): RelationParams => ({
  parties: sql.add([...keys.parties]),
  reasons: sql.add([...keys.reasons]),
  names: sql.add([...keys.denyParties]),
  fence: fence(keys),
});

/**
 * Whether the patient in SQL expression `patient` is the caller's: related by one of its reasons (an index probe
 * on care_relation), and (unless only `related` is asked) not blocked by an objection (care_denied, migration 006:
 * the Mitz precedence of src/fhir/access/patient-objection.ts).
 */
export function relatedPatientSql(p: RelationParams, patient: string, related = false): string {
  const exists = `EXISTS (${relationProbeSql(p, patient)}${p.fence})`;
  // Objections are rare: an index probe (or, over many rows, one hashed set of the patients that have any) skips
  // the PL/pgSQL call for every patient without one, which over a region is most of the cost of a count.
  const denied = `(${patient} IN (SELECT cd.patient_id FROM care_deny cd) AND care_denied(${patient}, ${p.names}::text[]))`;
  return related ? exists : `(${exists} AND NOT ${denied})`;
}

/** The care relation rows that make the patient in SQL expression `patient` the caller's. */
function relationProbeSql(p: RelationParams, patient: string): string {
  return `SELECT 1 FROM care_relation cr WHERE cr.patient_id = ${patient}
    AND cr.party = ANY(${p.parties}::text[]) AND cr.reason = ANY(${p.reasons}::text[])`;
}

/** Of `ids`, the caller's patients: `related` by a care relation, `allowed` once objections apply. */
export async function patientsAmong(
  q: Queryable,
  keys: RelationKeys,
  ids: readonly string[],
): Promise<{ related: string[]; allowed: string[] }> {
  if (ids.length === 0) return { related: [], allowed: [] };
  const sql = new SqlParams();
  const list = sql.add([...new Set(ids)]);
  const p = relationParams(sql, keys);
  // One index probe per listed patient. As an EXISTS the planner may instead read all of the caller's relations
  // (thousands for a GP) and hash them, and did so whenever the table's statistics were stale; a LATERAL with
  // LIMIT can only be probed per row. The text is the same for every caller and list: one prepared statement.
  const res = await runPrepared<{ id: string; allowed: boolean }>(
    q,
    `SELECT u.id, NOT care_denied(u.id, ${p.names}::text[]) AS allowed FROM unnest(${list}::text[]) AS u(id)
     CROSS JOIN LATERAL (${relationProbeSql(p, 'u.id')} LIMIT 1) AS related ORDER BY u.id`,
    sql.values,
  );
  return { related: res.rows.map((r) => r.id), allowed: res.rows.filter((r) => r.allowed).map((r) => r.id) };
}

/** Every patient the caller may see (tests and operations; the request path never lists them). */
export async function listPatients(q: Queryable, keys: RelationKeys): Promise<string[]> {
  const sql = new SqlParams();
  const p = relationParams(sql, keys);
  const res = await q.query<{ id: string }>(
    `SELECT DISTINCT patient_id AS id FROM care_relation c WHERE c.party = ANY(${p.parties}::text[])
     AND c.reason = ANY(${p.reasons}::text[]) AND ${relatedPatientSql(p, 'c.patient_id')} ORDER BY 1`,
    sql.values,
  );
  return res.rows.map((r) => r.id);
}

const REBUILD = 'care_relation';

/**
 * Recomputes the relation rows of every current resource of `types` from its content, in batches (keyset paged,
 * each batch one transaction with its resources share-locked, so a concurrent write is not overwritten by stale
 * rows). Runs when migration 006 (or an operator, with `force`) asks for it; returns the resources processed.
 */
export async function rebuildCareRelations(
  db: Database,
  types: readonly string[],
  rowsOf: (resource: Resource) => CareRelations | undefined,
  options: { force?: boolean; batchSize?: number } = {},
): Promise<number> {
  if (!options.force) {
    const pending = await db.pool.query('SELECT 1 FROM store_rebuild WHERE name = $1', [REBUILD]);
    if (pending.rows.length === 0) return 0;
  }
  let after = { type: '', id: '' };
  let done = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const res = await tx.query<{ resource_type: string; id: string; content: Resource }>(
        `SELECT resource_type, id, content FROM resource WHERE resource_type = ANY($1::text[]) AND NOT deleted
         AND (resource_type, id) > ($2, $3) ORDER BY resource_type, id LIMIT $4 FOR SHARE`,
        [[...types], after.type, after.id, options.batchSize ?? 500],
      );
      const keys = [res.rows.map((r) => r.resource_type), res.rows.map((r) => r.id)];
      for (const table of RELATION_TABLES)
        await tx.query(
          `DELETE FROM ${table} t USING unnest($1::text[], $2::text[]) AS k(type, id)
           WHERE t.resource_type = k.type AND t.id = k.id`,
          keys,
        );
      const owned = res.rows.flatMap((r) => {
        const relations = rowsOf(r.content);
        return relations ? [{ resourceType: r.resource_type, id: r.id, relations }] : [];
      });
      await insertCareRelations(tx, owned);
      return res.rows;
    });
    done += batch.length;
    if (batch.length === 0) break;
    const last = batch[batch.length - 1];
    after = { type: last.resource_type, id: last.id };
  }
  await db.pool.query('DELETE FROM store_rebuild WHERE name = $1', [REBUILD]);
  return done;
}
