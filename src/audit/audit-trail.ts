import type { Patient, Resource } from '@medplum/fhirtypes';
import { isPool, type Database, type Queryable } from '../store/database';
import type { AuditEntry, RequestContext } from '../kernel/request-context';
import type { AuditSink } from './sink';
import { contentsOf, insertAuditRows, newestPatients, type AuditRowInput } from '../store/audit-log';
import { classifyDatabaseError } from '../store/database-errors';
import { auditRow, parseRef, patientsOf, refKey, type VersionRef } from './audit-record';

// Larger batches only lengthen the statement; under load a flush rarely collects more.
const MAX_BATCH = 500;

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
 * The NEN 7513 audit trail (AuditSink): every access is ONE row in the append-only `audit_log` table
 * (src/store/audit-log.ts). No chain lock on the request path: the sealer (audit-sealer.ts) links the committed
 * rows into the SHA-256 chain seconds later.
 *
 * With a transaction the row commits (or rolls back) with the write it describes. With the pool (reads,
 * searches, history, refusals) rows are group-committed: one INSERT at a time carries every entry queued
 * meanwhile, and `record` resolves only after that autocommit statement returned, so the row is durable before
 * the response.
 */
export class AuditTrail implements AuditSink {
  private queue: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly db: Database,
    private readonly options: { serviceId: string },
  ) {}

  async record(q: Queryable, ctx: RequestContext, entry: AuditEntry, network?: string): Promise<void> {
    if (q === this.db.pool || isPool(q)) {
      await new Promise<void>((resolve, reject) => {
        this.queue.push({ ctx, entry, network, resolve, reject });
        if (!this.flushing) void this.drain();
      });
    } else {
      // Inside the write transaction: its own uncommitted changes are visible to the lookup.
      await insertAuditRows(q, await this.rows(q, [{ ctx, entry, network }]));
    }
  }

  /** Flushes until the queue is empty, one flush at a time, so that concurrent reads share a commit. */
  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.queue[0].alone ? 1 : MAX_BATCH);
        try {
          await insertAuditRows(this.db.pool, await this.rows(this.db.pool, batch));
          for (const w of batch) w.resolve();
        } catch (err) {
          // The database cannot serve: fail everything now, so that nobody waits on a flush that cannot succeed.
          if (classifyDatabaseError(err)) for (const w of [...batch, ...this.queue.splice(0)]) w.reject(err);
          else if (batch.length === 1) batch[0].reject(err);
          // One bad entry must not fail the others: put them back, to be flushed one by one.
          else this.queue.unshift(...batch.map((w) => ({ ...w, alone: true })));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The rows of a batch, with the patients each entry is about (one or two queries for the whole batch). */
  private async rows(
    q: Queryable,
    items: ReadonlyArray<Pick<Waiting, 'ctx' | 'entry' | 'network'>>,
  ): Promise<AuditRowInput[]> {
    const refs = items.flatMap((i) => i.entry.entities);
    const { contents, patients } = await this.lookup(
      q,
      refs,
      items.flatMap((i) => i.entry.known ?? []),
    );
    return items.map(({ ctx, entry, network }) =>
      auditRow(ctx, entry, patientsOf(entry.entities, contents, patients), this.options.serviceId, network),
    );
  }

  /**
   * The contents the references name and the Patients they are about, with their BSN. The version named (or the
   * newest with content) tells whom a resource is about; a Patient's newest content gives its BSN.
   */
  private async lookup(
    q: Queryable,
    refs: readonly string[],
    known: readonly Resource[],
  ): Promise<{ contents: Map<string, Resource>; patients: Map<string, Patient> }> {
    const contents = new Map<string, Resource>();
    const patients = new Map<string, Patient>();
    // A current version the request holds is the newest with content: what the look-up below would find.
    for (const resource of known) {
      contents.set(`${resource.resourceType}/${resource.id}`, resource);
      if (resource.resourceType === 'Patient') patients.set(resource.id as string, resource as Patient);
    }
    const keys = new Map<string, VersionRef>();
    for (const ref of refs) {
      const key = parseRef(ref);
      if (key && !contents.has(refKey(key))) keys.set(refKey(key), key);
    }
    for (const row of await contentsOf(q, [...keys.values()])) {
      contents.set(refKey(row), row.content as Resource);
      if (row.t === 'Patient' && row.v === null) patients.set(row.i, row.content as Patient);
    }
    const missing = patientsOf(refs, contents, patients)
      .map((p) => p.id)
      .filter((id) => !patients.has(id));
    if (missing.length)
      for (const row of await newestPatients(q, missing)) patients.set(row.id, row.content as Patient);
    return { contents, patients };
  }
}
