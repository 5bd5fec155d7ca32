import { createHash } from 'node:crypto';
import pg from 'pg';
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { ResourceIndex } from '../store/lookups/index-rows';
import { PREVIOUS_HASH_URL } from './audit-event';

/** An AuditEvent built and indexed before the chain lock; only its link (previous hash) is still missing. */
export interface PreparedAudit {
  event: AuditEvent;
  /** The search-index rows, when AuditEvents are indexed. The link extension is no search parameter. */
  index?: ResourceIndex;
}

type Lookup = Parameters<ResourceIndex['rows']['get']>[0];

// Any constant: serialises appends across instances so that the chain stays one line.
const AUDIT_CHAIN_LOCK = 75132027;
export const LOCK_SQL = `SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;
/**
 * Lock, then read the head, in ONE round trip (simple protocol, no parameters). In READ COMMITTED each
 * statement of a multi-statement query takes its own snapshot, so the SELECT sees the head committed by
 * whoever held the lock before us. (In one statement the snapshot would predate the lock wait.)
 */
const LOCK_AND_HEAD_SQL = `${LOCK_SQL}; SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1`;

/**
 * A named (prepared) statement where the connection allows it: PostgreSQL parses and plans it once per
 * connection. `name` must always go with the same text.
 */
export function runNamed<R extends pg.QueryResultRow>(
  q: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  return q instanceof pg.Client ? q.query<R>({ name, text, values }) : q.query<R>(text, values);
}

/**
 * Appends prepared events to the chain inside `tx`: takes the chain lock (re-entrant: write transactions took it
 * in beginWrite), reads the head, links and hashes, and inserts everything in one statement. With `begin` the
 * transaction is opened in the same round trip (group commit on the flusher's own connection).
 */
export async function appendToChain(
  tx: Queryable,
  batch: readonly PreparedAudit[],
  hash: (previousHash: string, event: AuditEvent) => string,
  genesis: string,
  begin = false,
): Promise<void> {
  const results = (await tx.query(
    begin ? `BEGIN; ${LOCK_AND_HEAD_SQL}` : LOCK_AND_HEAD_SQL,
  )) as unknown as pg.QueryResult<{ seq: number; hash: string }>[];
  const head = results[results.length - 1].rows[0];
  let seq = head ? Number(head.seq) : 0;
  let previous = head?.hash ?? genesis;
  const events = batch.map(({ event }) => {
    const link = event.extension?.find((e) => e.url === PREVIOUS_HASH_URL);
    if (!link) throw new Error('AuditEvent without the previous-hash extension');
    link.valueString = previous;
    const row = { id: event.id, recorded: event.recorded, content: event, seq: ++seq, prev: previous };
    previous = hash(previous, event);
    return { ...row, hash: previous };
  });
  const lookups = lookupsIn(batch);
  const { name, text } = insertStatement(lookups);
  await runNamed(tx, name, text, [
    JSON.stringify(events),
    ...lookups.map((lookup) =>
      JSON.stringify(
        batch.flatMap((p) =>
          (p.index?.rows.get(lookup) ?? []).map((r) => ({ ...r.row, id: p.event.id, param: r.param })),
        ),
      ),
    ),
    JSON.stringify(
      batch.flatMap((p) => [...new Set(p.index?.patientIds)].map((pid) => ({ id: p.event.id, pid }))),
    ),
  ]);
}

const statements = new Map<string, { name: string; text: string }>();

/** The INSERT for this set of lookups, with a name (≤ 63 bytes) that only this text has. */
function insertStatement(lookups: readonly Lookup[]): { name: string; text: string } {
  const key = lookups.map((l) => l.table).join(',');
  let statement = statements.get(key);
  if (!statement) {
    const text = insertSql(lookups);
    statement = { name: `audit-append-${createHash('sha1').update(text).digest('hex')}`, text };
    statements.set(key, statement);
  }
  return statement;
}

/**
 * One INSERT for the whole batch: the versions, the current copies, the index and compartment rows and the
 * chain links, as data-modifying CTEs over jsonb_to_recordset (one JSON parameter per table, whatever the batch
 * size). Tables and columns come from the lookups (constants), never from input.
 */
function insertSql(lookups: readonly Lookup[]): string {
  const ctes = [
    `e AS (SELECT * FROM jsonb_to_recordset($1::jsonb)
       AS e(id text, recorded timestamptz, content jsonb, seq bigint, prev text, hash text))`,
    `v AS (INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted, method, content)
       SELECT 'AuditEvent', id, 1, recorded, false, 'POST', content FROM e)`,
    `r AS (INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content)
       SELECT 'AuditEvent', id, 1, recorded, false, content FROM e)`,
    ...lookups.map((lookup, i) => {
      const names = lookup.columns.map((c) => c.name).join(', ');
      const types = lookup.columns.map((c) => `${c.name} ${c.type.replace(/\[\]$/, '')}`).join(', ');
      return `i${i} AS (INSERT INTO ${lookup.table} (resource_type, id, param, ${names})
         SELECT 'AuditEvent', id, param, ${names} FROM jsonb_to_recordset($${i + 2}::jsonb)
         AS u(id text, param text, ${types}))`;
    }),
    `c AS (INSERT INTO resource_compartment (resource_type, id, patient_id)
       SELECT 'AuditEvent', id, pid FROM jsonb_to_recordset($${lookups.length + 2}::jsonb) AS u(id text, pid text))`,
  ];
  return `WITH ${ctes.join(',\n')}
    INSERT INTO audit_chain (seq, audit_id, prev_hash, hash, recorded) SELECT seq, id, prev, hash, recorded FROM e`;
}

/** The lookups with rows in this batch, in a stable order: the statement's text (and name) depend on it. */
function lookupsIn(batch: readonly PreparedAudit[]): Lookup[] {
  const seen = new Set<Lookup>();
  for (const p of batch) for (const [lookup, rows] of p.index?.rows ?? []) if (rows.length) seen.add(lookup);
  return [...seen].sort((a, b) => (a.table < b.table ? -1 : 1));
}
