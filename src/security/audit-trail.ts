import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AuditEvent, Patient, Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../store/database';
import type { AuditEntry, RequestContext } from '../kernel/request-context';
import type { AuditSink } from '../fhir/ports';
import { indexResource } from '../fhir/search/indexer';
import { appendToChain, LOCK_SQL, runNamed, type PreparedAudit } from './audit-append';
import { buildAuditEvent, PREVIOUS_HASH_URL, type AuditedPatient } from './audit-event';
import { BSN_SYSTEM } from './naming-systems';
import { storedPatientsAbout } from '../fhir/search/compartment';
import { localTarget } from '../kernel/reference';
import { classifyDatabaseError } from '../store/database-errors';

export const GENESIS_HASH = '0'.repeat(64);
// Larger batches only lengthen the transaction; under load a flush rarely collects more.
const MAX_BATCH = 200;

/** JSON with object keys sorted, so that the hash does not depend on jsonb's key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function chainHash(previousHash: string, event: AuditEvent): string {
  return createHash('sha256').update(previousHash).update('\n').update(canonicalJson(event)).digest('hex');
}

/** An entry waiting for the next group commit. */
interface Waiting {
  ctx: RequestContext;
  entry: AuditEntry;
  network?: string;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** Its batch failed: flushed on its own, so that only a faulty entry fails. */
  alone?: boolean;
}

/**
 * The NEN 7513 audit trail (AuditSink). Every entry becomes an AuditEvent stored like any resource (so admins
 * can search it), plus a row in `audit_chain` linking it to the previous one by SHA-256.
 *
 * Events are built, and their index rows extracted, BEFORE the chain lock (the patient/BSN lookup and the
 * database clock for `recorded` are one query); under the lock only the head is read, the links hashed and one
 * INSERT sent (audit-append.ts).
 *
 * With a transaction the entry commits with the write it describes. With the pool (reads, searches, history,
 * refusals) entries are group-committed: one transaction at a time appends every entry queued meanwhile, and
 * `record` resolves only after that transaction has COMMITTED, so the entry is durable before the response.
 */
export class AuditTrail implements AuditSink {
  private queue: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly db: Database,
    private readonly options: {
      serviceId: string;
      /** Write search-index rows, so admins can search AuditEvent. */ indexed?: boolean;
    },
  ) {}

  async record(q: Queryable, ctx: RequestContext, entry: AuditEntry, network?: string): Promise<void> {
    // An advisory xact lock on the pool would be released at once (autocommit): the flush has its own transaction.
    if (q === this.db.pool || q instanceof pg.Pool) {
      await new Promise<void>((resolve, reject) => {
        this.queue.push({ ctx, entry, network, resolve, reject });
        if (!this.flushing) void this.drain();
      });
    } else {
      // Inside the write transaction: its own uncommitted changes are visible to the lookup.
      await appendToChain(q, await this.prepare(q, [{ ctx, entry, network }]), chainHash, GENESIS_HASH);
    }
  }

  async beginWrite(tx: Queryable): Promise<void> {
    await tx.query(LOCK_SQL);
  }

  /**
   * Flushes until the queue is empty, one flush at a time (so an instance holds the chain lock at most once),
   * on one connection kept while there is work.
   */
  private async drain(): Promise<void> {
    this.flushing = true;
    let held: HeldClient | undefined;
    try {
      while (this.queue.length) {
        held ??= await holdClient(this.db.pool);
        const batch = this.queue.splice(0, this.queue[0].alone ? 1 : MAX_BATCH);
        try {
          await this.flush(held.client, batch);
          for (const w of batch) w.resolve();
        } catch (err) {
          // Whatever state the connection is in now, it is not reused.
          held.release(err);
          held = undefined;
          // The database cannot serve: fail everything now, so that nobody waits on a flush that cannot succeed.
          if (classifyDatabaseError(err)) for (const w of [...batch, ...this.queue.splice(0)]) w.reject(err);
          else if (batch.length === 1) batch[0].reject(err);
          // One bad entry must not fail the others: put them back, to be flushed one by one.
          else this.queue.unshift(...batch.map((w) => ({ ...w, alone: true })));
        }
      }
    } catch (err) {
      // No connection to be had: fail what is queued rather than leave requests waiting.
      for (const w of this.queue.splice(0)) w.reject(err);
    } finally {
      held?.release();
      this.flushing = false;
    }
  }

  /** One transaction: the lookup, then BEGIN + lock + head in one round trip, one INSERT, COMMIT. */
  private async flush(client: pg.PoolClient, batch: readonly Waiting[]): Promise<void> {
    const prepared = await this.prepare(client, batch);
    await appendToChain(client, prepared, chainHash, GENESIS_HASH, true);
    await client.query('COMMIT');
  }

  /** The events, complete but for the links to their predecessors, and their index rows. */
  private async prepare(
    q: Queryable,
    items: ReadonlyArray<Pick<Waiting, 'ctx' | 'entry' | 'network'>>,
  ): Promise<PreparedAudit[]> {
    const found = await this.lookup(
      q,
      items.flatMap((i) => i.entry.entities),
    );
    return items.map(({ ctx, entry, network }) => {
      const event = buildAuditEvent({
        id: randomUUID(),
        recorded: found.recorded,
        // Replaced under the chain lock (audit-append.ts); not a search parameter, so the index rows hold.
        previousHash: GENESIS_HASH,
        ctx,
        entry,
        patients: found.patientsOf(entry.entities),
        network,
        serviceId: this.options.serviceId,
      });
      return { event, index: this.options.indexed ? indexResource(event) : undefined };
    });
  }

  /**
   * The database clock, and the patients the touched resources are about with their BSN, for a whole batch:
   * one query, and a second only for patients whose current content the first did not return (a CarePlan's
   * subject, say). The version named (or the newest with content: a delete marker has none) tells whom a
   * resource is about.
   */
  private async lookup(
    q: Queryable,
    refs: readonly string[],
  ): Promise<{ recorded: string; patientsOf(refs: readonly string[]): AuditedPatient[] }> {
    const keys = new Map<string, Ref>();
    for (const ref of refs) {
      const key = parseRef(ref);
      if (key) keys.set(refKey(key), key);
    }
    const list = [...keys.values()];
    const res = await runNamed<{
      now: Date;
      t: string;
      i: string;
      v: number | null;
      content: Resource | null;
    }>(
      q,
      'audit-lookup',
      `SELECT clock_timestamp() AS now, x.* FROM (SELECT 1) AS one LEFT JOIN LATERAL (
         SELECT DISTINCT ON (k.t, k.i, k.v) k.t, k.i, k.v, rv.content
         FROM unnest($1::text[], $2::text[], $3::int[]) AS k(t, i, v)
         JOIN resource_version rv ON rv.resource_type = k.t AND rv.id = k.i AND rv.content IS NOT NULL
           AND rv.version_id <= coalesce(k.v, 2147483647)
         ORDER BY k.t, k.i, k.v, rv.version_id DESC) AS x ON true`,
      [list.map((k) => k.t), list.map((k) => k.i), list.map((k) => k.v)],
    );
    const contents = new Map<string, Resource>();
    // A Patient's newest content gives its BSN; a named older version does not.
    const patients = new Map<string, Patient>();
    for (const row of res.rows) {
      if (!row.content) continue;
      contents.set(refKey(row), row.content);
      if (row.t === 'Patient' && row.v === null) patients.set(row.i, row.content as Patient);
    }
    const idsOf = (refList: readonly string[]) => {
      const ids = new Set<string>();
      for (const key of refList.map(parseRef)) {
        if (!key) continue;
        if (key.t === 'Patient') ids.add(key.i);
        const content = contents.get(refKey(key));
        for (const id of content ? storedPatientsAbout(content) : []) ids.add(id);
      }
      return [...ids].sort();
    };
    const missing = idsOf(refs).filter((id) => !patients.has(id));
    if (missing.length) {
      const more = await runNamed<{ id: string; content: Patient }>(
        q,
        'audit-patients',
        `SELECT DISTINCT ON (id) id, content FROM resource_version
         WHERE resource_type = 'Patient' AND id = ANY($1::text[]) AND content IS NOT NULL ORDER BY id, version_id DESC`,
        [missing],
      );
      for (const row of more.rows) patients.set(row.id, row.content);
    }
    const bsn = (id: string) => patients.get(id)?.identifier?.find((i) => i.system === BSN_SYSTEM)?.value;
    return {
      recorded: res.rows[0].now.toISOString(),
      patientsOf: (refList) => idsOf(refList).map((id) => ({ id, bsn: bsn(id) })),
    };
  }
}

interface HeldClient {
  client: pg.PoolClient;
  /** Back to the pool; with an error (or after its connection was lost) the pool discards it. */
  release(err?: unknown): void;
}

/**
 * A pooled connection kept across flushes. A checked-out client has no listener of the pool's, so a connection
 * lost meanwhile (database restart) would be an uncaught 'error' event: listen, and discard it on release.
 */
async function holdClient(pool: pg.Pool): Promise<HeldClient> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => (lost ??= err);
  client.on('error', onError);
  return {
    client,
    release(err?: unknown) {
      client.removeListener('error', onError);
      const reason = lost ?? err;
      client.release(
        reason === undefined ? undefined : reason instanceof Error ? reason : new Error(String(reason)),
      );
    },
  };
}

/** Type, id and version (null: the newest) of a `Type/id[/_history/n]` reference. */
interface Ref {
  t: string;
  i: string;
  v: number | null;
}

function parseRef(ref: string): Ref | undefined {
  const target = localTarget(ref);
  if (!target) return undefined;
  if (target.versionId === undefined) return { t: target.resourceType, i: target.id, v: null };
  // Versions this service assigns are integers (the column is int4).
  const v = Number(target.versionId);
  return Number.isInteger(v) && v > 0 && v <= 2147483647
    ? { t: target.resourceType, i: target.id, v }
    : undefined;
}

const refKey = (r: Ref) => (r.v === null ? `${r.t}/${r.i}` : `${r.t}/${r.i}/_history/${r.v}`);

export type ChainCheck =
  | { ok: true; checked: number }
  | { ok: false; checked: number; seq?: number; auditId?: string; reason: string };

interface ChainRow {
  seq: number;
  audit_id: string;
  prev_hash: string;
  hash: string;
  version_content: AuditEvent | null;
  current_content: AuditEvent | null;
  current_deleted: boolean | null;
}

/**
 * Walks the chain in order and returns the first broken link: a missing record (gap in seq), a changed hash
 * link, an altered or missing AuditEvent (stored version or current copy), or an AuditEvent outside the chain.
 */
export async function verifyAuditChain(db: Queryable, batchSize = 1000): Promise<ChainCheck> {
  let previous = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  for (;;) {
    const res = await db.query<ChainRow>(
      `SELECT ac.seq, ac.audit_id, ac.prev_hash, ac.hash, rv.content AS version_content,
              r.content AS current_content, r.deleted AS current_deleted
       FROM audit_chain ac
       LEFT JOIN resource_version rv ON rv.resource_type = 'AuditEvent' AND rv.id = ac.audit_id AND rv.version_id = 1
       LEFT JOIN resource r ON r.resource_type = 'AuditEvent' AND r.id = ac.audit_id
       WHERE ac.seq > $1 ORDER BY ac.seq LIMIT $2`,
      [previous.seq, batchSize],
    );
    for (const row of res.rows) {
      const broken = checkLink(previous, row);
      if (broken) return { ok: false, checked, seq: Number(row.seq), auditId: row.audit_id, reason: broken };
      previous = { seq: Number(row.seq), hash: row.hash };
      checked++;
    }
    if (res.rows.length < batchSize) break;
  }
  const stray = await db.query<{ id: string }>(
    `SELECT r.id FROM resource_version r WHERE r.resource_type = 'AuditEvent'
     AND NOT EXISTS (SELECT 1 FROM audit_chain ac WHERE ac.audit_id = r.id) LIMIT 1`,
  );
  if (stray.rows[0])
    return { ok: false, checked, auditId: stray.rows[0].id, reason: 'AuditEvent is not part of the chain' };
  return { ok: true, checked };
}

function checkLink(previous: { seq: number; hash: string }, row: ChainRow): string | undefined {
  if (Number(row.seq) !== previous.seq + 1)
    return `record(s) ${previous.seq + 1}..${Number(row.seq) - 1} are missing`;
  if (row.prev_hash !== previous.hash) return 'prev_hash does not match the hash of the previous record';
  if (!row.version_content) return 'the AuditEvent is missing';
  const carried = row.version_content.extension?.find((e) => e.url === PREVIOUS_HASH_URL)?.valueString;
  if (carried !== row.prev_hash) return 'the AuditEvent does not carry the previous hash';
  if (chainHash(row.prev_hash, row.version_content) !== row.hash)
    return 'the AuditEvent was altered (hash mismatch)';
  if (
    !row.current_content ||
    row.current_deleted ||
    canonicalJson(row.current_content) !== canonicalJson(row.version_content)
  ) {
    return 'the current copy of the AuditEvent differs from its recorded version';
  }
  return undefined;
}
