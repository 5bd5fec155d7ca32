import pg from 'pg';
import type { Queryable } from './database';

/**
 * The audit table (migration 006): one compact row per access, and the seal rows that chain them.
 * Only SQL here; what a row means (and how it becomes an AuditEvent) is src/security's business.
 */

/** A row as written. `detail` holds whatever the columns do not (names, entities, query, request id…). */
export interface AuditRowInput {
  action: string;
  interaction: string;
  outcome: string;
  clientId?: string;
  orgId?: string;
  userId?: string;
  patientIds: string[];
  detail: Record<string, unknown>;
}

/** A row as stored: its id, the writing transaction and the database's clock. */
export interface AuditRow extends AuditRowInput {
  id: number;
  txid: number;
  recorded: Date;
}

/** A named (prepared) statement where the connection allows it: PostgreSQL parses and plans it once. */
function run<R extends pg.QueryResultRow>(
  q: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  return q instanceof pg.Client ? q.query<R>({ name, text, values }) : q.query<R>(text, values);
}

const COLUMNS = `id, txid, recorded, action, interaction, outcome, client_id AS "clientId", org_id AS "orgId",
  user_id AS "userId", patient_ids AS "patientIds", detail`;

/** Appends rows in one statement (outside a transaction: one autocommit, durable when it returns). */
export async function insertAuditRows(q: Queryable, rows: readonly AuditRowInput[]): Promise<void> {
  await run(
    q,
    'audit-log-insert',
    `INSERT INTO audit_log (action, interaction, outcome, client_id, org_id, user_id, patient_ids, detail)
     SELECT r.action, r.interaction, r.outcome, r."clientId", r."orgId", r."userId",
            ARRAY(SELECT jsonb_array_elements_text(r."patientIds")), r.detail
     FROM jsonb_to_recordset($1::jsonb) AS r(action text, interaction text, outcome text, "clientId" text,
       "orgId" text, "userId" text, "patientIds" jsonb, detail jsonb)`,
    [JSON.stringify(rows)],
  );
}

/** Type, id and version (null: the newest) of a referenced resource. */
export interface VersionKey {
  t: string;
  i: string;
  v: number | null;
}

/**
 * The contents of the named versions (or the newest with content: a delete marker has none), to tell whom
 * they are about.
 */
export async function contentsOf(
  q: Queryable,
  keys: readonly VersionKey[],
): Promise<Array<VersionKey & { content: unknown }>> {
  if (!keys.length) return [];
  const res = await run<VersionKey & { content: unknown }>(
    q,
    'audit-lookup',
    `SELECT DISTINCT ON (k.t, k.i, k.v) k.t, k.i, k.v, rv.content
     FROM unnest($1::text[], $2::text[], $3::int[]) AS k(t, i, v)
     JOIN resource_version rv ON rv.resource_type = k.t AND rv.id = k.i AND rv.content IS NOT NULL
       AND rv.version_id <= coalesce(k.v, 2147483647)
     ORDER BY k.t, k.i, k.v, rv.version_id DESC`,
    [keys.map((k) => k.t), keys.map((k) => k.i), keys.map((k) => k.v)],
  );
  return res.rows;
}

/** The newest content of these Patients. */
export async function newestPatients(
  q: Queryable,
  ids: readonly string[],
): Promise<Array<{ id: string; content: unknown }>> {
  const res = await run<{ id: string; content: unknown }>(
    q,
    'audit-patients',
    `SELECT DISTINCT ON (id) id, content FROM resource_version
     WHERE resource_type = 'Patient' AND id = ANY($1::text[]) AND content IS NOT NULL ORDER BY id, version_id DESC`,
    [ids],
  );
  return res.rows;
}

// ---- sealing -------------------------------------------------------------------------------------------------

export interface ChainHead {
  seq: number;
  hash: Buffer;
  horizon: number;
}

/**
 * Opens the sealer's round: a REPEATABLE READ transaction, so that the horizon (the oldest transaction still in
 * progress) and the rows found belong to one snapshot. Returns that snapshot's xmin and the chain's head.
 */
export async function beginSealRound(
  client: Queryable,
): Promise<{ xmin: number; head: ChainHead | undefined }> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  const res = await client.query<{
    xmin: string;
    seq: number | null;
    hash: Buffer | null;
    horizon: number | null;
  }>(
    `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, h.seq, h.hash, h.horizon
     FROM (SELECT 1) AS one
     LEFT JOIN LATERAL (SELECT seq, hash, horizon FROM audit_seal ORDER BY seq DESC LIMIT 1) AS h ON true`,
  );
  const row = res.rows[0];
  return {
    xmin: Number(row.xmin),
    head:
      row.seq === null ? undefined : { seq: row.seq, hash: row.hash as Buffer, horizon: Number(row.horizon) },
  };
}

/** Committed rows not sealed yet, written by a transaction at or after `horizon`, in (txid, id) order. */
export async function unsealedRows(q: Queryable, horizon: number, limit: number): Promise<AuditRow[]> {
  const res = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log l
     WHERE l.txid >= $1 AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.audit_id = l.id)
     ORDER BY l.txid, l.id LIMIT $2`,
    [horizon, limit],
  );
  return res.rows;
}

export async function insertSeals(
  q: Queryable,
  seals: ReadonlyArray<{ seq: number; auditId: number; hash: Buffer }>,
  horizon: number,
): Promise<void> {
  await q.query(
    `INSERT INTO audit_seal (seq, audit_id, horizon, hash)
     SELECT seq, audit_id, $4, hash FROM unnest($1::bigint[], $2::bigint[], $3::bytea[]) AS u(seq, audit_id, hash)`,
    [seals.map((s) => s.seq), seals.map((s) => s.auditId), seals.map((s) => s.hash), horizon],
  );
}

/** The next months' partitions (idempotent; the sealer's leader calls it now and then). */
export async function ensureAuditPartitions(q: Queryable, months = 2): Promise<void> {
  await q.query('SELECT audit_log_ensure_partitions($1)', [months]);
}

/**
 * Unsealed rows now, and the seal lag in ms: how long the oldest of them has been waiting for the sealer, from
 * its insert or from the last round that sealed something, whichever is later (a row of a long transaction
 * cannot be sealed before it commits, and the commit time is not recorded; 0 when everything is sealed).
 */
export async function unsealedBacklog(q: Queryable): Promise<{ count: number; oldestMs: number }> {
  const res = await q.query<{ n: number; age: number | null }>(
    `WITH head AS (SELECT horizon, sealed FROM audit_seal ORDER BY seq DESC LIMIT 1),
     waiting AS (SELECT count(*)::int AS n, min(l.recorded) AS oldest FROM audit_log l
       WHERE l.txid >= coalesce((SELECT horizon FROM head), 0)
         AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.audit_id = l.id))
     SELECT n, CASE WHEN n > 0 THEN (extract(epoch FROM clock_timestamp()
       - greatest(oldest, (SELECT sealed FROM head))) * 1000)::float8 END AS age FROM waiting`,
  );
  return { count: res.rows[0].n, oldestMs: Math.max(0, Math.round(res.rows[0].age ?? 0)) };
}

/** Sealed rows in chain order after `afterSeq` (the verifier's walk); a missing audit row comes back as null. */
export async function sealedPage(
  q: Queryable,
  afterSeq: number,
  limit: number,
): Promise<Array<{ seq: number; auditId: number; hash: Buffer; row: AuditRow | null }>> {
  const res = await q.query<{ seq: number; audit_id: number; hash: Buffer; row: AuditRow | null }>(
    `SELECT s.seq, s.audit_id, s.hash,
       (SELECT to_jsonb(x) FROM (SELECT ${COLUMNS} FROM audit_log l WHERE l.id = s.audit_id) AS x) AS row
     FROM audit_seal s WHERE s.seq > $1 ORDER BY s.seq LIMIT $2`,
    [afterSeq, limit],
  );
  return res.rows.map((r) => ({
    seq: r.seq,
    auditId: r.audit_id,
    hash: r.hash,
    row: r.row && { ...r.row, recorded: new Date(r.row.recorded as unknown as string) },
  }));
}

// ---- look-ups (AuditEvent read and search) -------------------------------------------------------------------

export async function auditRowById(q: Queryable, id: number): Promise<AuditRow | undefined> {
  const res = await q.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE id = $1`, [id]);
  return res.rows[0];
}

/** The NEN 7513 look-ups; every criterion is optional, all given ones must hold. Newest first. */
export interface AuditQuery {
  ids?: number[];
  patientIds?: string[];
  /** Client id or organisation (URA/AGB) or user id: any of these. */
  agents?: string[];
  /** Entity references (Type/id[/_history/n]); a Patient's also matches the rows about that patient. */
  entities?: string[];
  from?: Date;
  fromInclusive?: boolean;
  to?: Date;
  toInclusive?: boolean;
  outcomes?: string[];
  actions?: string[];
  interactions?: string[];
  ascending?: boolean;
  limit: number;
}

export async function searchAuditRows(q: Queryable, query: AuditQuery): Promise<AuditRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  if (query.ids) where.push(`id = ANY(${param(query.ids)}::bigint[])`);
  if (query.patientIds) where.push(`patient_ids && ${param(query.patientIds)}::text[]`);
  if (query.agents) {
    const p = param(query.agents);
    where.push(
      `(client_id = ANY(${p}::text[]) OR org_id = ANY(${p}::text[]) OR user_id = ANY(${p}::text[]))`,
    );
  }
  if (query.entities) {
    const patients = query.entities.flatMap((e) => (/^Patient\/[^/]+$/.test(e) ? [e.slice(8)] : []));
    where.push(
      `(detail -> 'e' ?| ${param(query.entities)}::text[] OR patient_ids && ${param(patients)}::text[])`,
    );
  }
  if (query.from) where.push(`recorded ${query.fromInclusive ? '>=' : '>'} ${param(query.from)}`);
  if (query.to) where.push(`recorded ${query.toInclusive ? '<=' : '<'} ${param(query.to)}`);
  if (query.outcomes) where.push(`outcome = ANY(${param(query.outcomes)}::text[])`);
  if (query.actions) where.push(`action = ANY(${param(query.actions)}::text[])`);
  if (query.interactions) where.push(`interaction = ANY(${param(query.interactions)}::text[])`);
  const order = query.ascending ? 'recorded, id' : 'recorded DESC, id DESC';
  const res = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${order} LIMIT ${param(query.limit)}`,
    values,
  );
  return res.rows;
}

/**
 * A row the sealer will never see: not sealed, yet written (so it claims) by a transaction below the last
 * horizon. Only a row slipped in past the service (a forged txid) is like that.
 */
export async function strayAuditRow(q: Queryable): Promise<number | undefined> {
  const res = await q.query<{ id: number }>(
    `SELECT l.id FROM audit_log l
     WHERE l.txid < coalesce((SELECT horizon FROM audit_seal ORDER BY seq DESC LIMIT 1), 0)
       AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.audit_id = l.id) LIMIT 1`,
  );
  return res.rows[0]?.id;
}

/** Bytes the audit trail takes on disk: every partition of audit_log and the seals, with their indexes. */
export async function auditStorageBytes(q: Queryable): Promise<number> {
  const res = await q.query<{ n: string }>(
    `SELECT (coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) + pg_total_relation_size('audit_seal'))::text AS n
     FROM pg_inherits i WHERE i.inhparent = 'audit_log'::regclass`,
  );
  return Number(res.rows[0].n);
}
