import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AuditEvent, Patient, Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../store/database';
import { resourceStore } from '../store/resource-store';
import type { AuditEntry, AuditSink, RequestContext } from '../fhir/request-context';
import type { SearchIndex } from '../fhir/repository';
import { buildAuditEvent, PREVIOUS_HASH_URL, type AuditedPatient } from './audit-event';
import { BSN_SYSTEM } from './naming-systems';
import { patientIdsOf } from './patient-compartment';

// Any constant: serialises appends across instances so that the chain stays one line.
const AUDIT_CHAIN_LOCK = 75132027;
export const GENESIS_HASH = '0'.repeat(64);
const REF = /^([A-Z][A-Za-z]{1,63})\/([-A-Za-z0-9.]{1,64})(?:\/_history\/(\d{1,9}))?$/;

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

/**
 * The NEN 7513 audit trail (AuditSink). Every entry becomes an AuditEvent stored like any resource (so admins
 * can search it), plus a row in `audit_chain` linking it to the previous one by SHA-256. With a transaction the
 * entry commits with the write it describes; with the pool it runs in its own transaction and is durable when
 * `record` resolves, i.e. before the response is sent.
 */
export class AuditTrail implements AuditSink {
  constructor(
    private readonly db: Database,
    private readonly options: { serviceId: string; index?: Pick<SearchIndex, 'writeIndexes'> },
  ) {}

  async record(q: Queryable, ctx: RequestContext, entry: AuditEntry, network?: string): Promise<void> {
    // An advisory xact lock on the pool would be released at once (autocommit): take a transaction of our own.
    if (q === this.db.pool || q instanceof pg.Pool) {
      await this.db.transaction((tx) => this.append(tx, ctx, entry, network));
    } else {
      await this.append(q, ctx, entry, network);
    }
  }

  async beginWrite(tx: Queryable): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
  }

  private async append(
    tx: Queryable,
    ctx: RequestContext,
    entry: AuditEntry,
    network?: string,
  ): Promise<AuditEvent> {
    const patients = await this.patientsOf(tx, entry.entities);
    // Taken as late as possible: it is held until commit and every audited request waits for it.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const last = await tx.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1',
    );
    const seq = (last.rows[0] ? Number(last.rows[0].seq) : 0) + 1;
    const previousHash = last.rows[0]?.hash ?? GENESIS_HASH;
    const recorded = await resourceStore.now(tx);
    const event = buildAuditEvent({
      id: randomUUID(),
      recorded,
      previousHash,
      ctx,
      entry,
      patients,
      network,
      serviceId: this.options.serviceId,
    });
    const hash = chainHash(previousHash, event);
    await resourceStore.write(tx, {
      resourceType: 'AuditEvent',
      id: event.id as string,
      versionId: 1,
      lastUpdated: recorded,
      deleted: false,
      method: 'POST',
      resource: event,
    });
    await this.options.index?.writeIndexes(tx, event);
    await tx.query(
      'INSERT INTO audit_chain (seq, audit_id, prev_hash, hash, recorded) VALUES ($1, $2, $3, $4, $5)',
      [seq, event.id, previousHash, hash, recorded],
    );
    return event;
  }

  /** The patients the touched resources are about, with their BSN, in two queries. */
  private async patientsOf(q: Queryable, refs: readonly string[]): Promise<AuditedPatient[]> {
    const keys = refs.map((r) => REF.exec(r)).filter((m): m is RegExpExecArray => m !== null);
    if (keys.length === 0) return [];
    // The version named (or the newest with content: a delete marker has none) tells whom it was about.
    const res = await q.query<{ content: Resource }>(
      `SELECT DISTINCT ON (k.t, k.i) rv.content FROM unnest($1::text[], $2::text[], $3::int[]) AS k(t, i, v)
       JOIN resource_version rv ON rv.resource_type = k.t AND rv.id = k.i AND rv.content IS NOT NULL
         AND rv.version_id <= coalesce(k.v, 2147483647)
       ORDER BY k.t, k.i, rv.version_id DESC`,
      [keys.map((k) => k[1]), keys.map((k) => k[2]), keys.map((k) => (k[3] ? Number(k[3]) : null))],
    );
    const ids = new Set<string>(keys.filter((k) => k[1] === 'Patient').map((k) => k[2]));
    for (const row of res.rows) for (const id of patientIdsOf(row.content)) ids.add(id);
    if (ids.size === 0) return [];
    const patients = await q.query<{ id: string; content: Patient }>(
      `SELECT DISTINCT ON (id) id, content FROM resource_version
       WHERE resource_type = 'Patient' AND id = ANY($1::text[]) AND content IS NOT NULL ORDER BY id, version_id DESC`,
      [[...ids]],
    );
    const bsn = new Map(
      patients.rows.map(
        (r) => [r.id, r.content.identifier?.find((i) => i.system === BSN_SYSTEM)?.value] as const,
      ),
    );
    return [...ids].sort().map((id) => ({ id, bsn: bsn.get(id) }));
  }
}

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
