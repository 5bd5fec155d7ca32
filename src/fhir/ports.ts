import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { AccessRestriction } from '../kernel/access-restriction';
import type { Caller } from '../kernel/caller';
import type { AuditEntry, Interaction, RequestContext, WriteChange } from '../kernel/request-context';

// The ports the FHIR layer needs from security: it defines them, src/security implements them.

/** The access policy as the FHIR layer sees it (implemented in src/security). Methods throw FhirError 403. */
export interface AccessGuard {
  restrictionFor(db: Queryable, caller: Caller): Promise<AccessRestriction | undefined>;
  checkScope(caller: Caller, resourceType: string, interaction: Interaction): void;
  /** May this caller see this stored resource? (reads, vreads, history entries) */
  canRead(db: Queryable, ctx: RequestContext, resource: Resource): Promise<boolean>;
  /**
   * Throws when the caller may not make this change; runs inside the write transaction, on a resource that has
   * passed validation (the repository validates first), so its references are well-formed.
   */
  checkWrite(tx: Queryable, ctx: RequestContext, change: WriteChange): Promise<void>;
}

/**
 * The NEN 7513 trail (implemented in src/security; no database types beyond Queryable, so a second sink, a log
 * stream or Kafka, can be added beside it). With a transaction, the entry commits or rolls back with the write;
 * with the pool it is durable when the promise resolves. No lock is taken: the chain is sealed afterwards.
 */
export interface AuditSink {
  record(q: Queryable, ctx: RequestContext, entry: AuditEntry): Promise<void>;
}

/** AuditEvent read and search, served from the audit trail (admins only; the access policy decides that). */
export interface AuditReader {
  read(q: Queryable, id: string): Promise<Resource | undefined>;
  /** A searchset Bundle; FhirError 400 naming any parameter it does not support. */
  search(q: Queryable, params: ReadonlyArray<[string, string]>, options: AuditSearchOptions): Promise<Bundle>;
}

export interface AuditSearchOptions {
  baseUrl: string;
  defaultCount: number;
  maxCount: number;
  lenient: boolean;
}

/** One committed change, as the outbox carries it to the afterCommit consumers (src/jobs/outbox.ts). */
export interface ResourceChange {
  resourceType: string;
  id: string;
  versionId: number;
  interaction: WriteChange['interaction'];
  lastUpdated: string;
  requestId: string;
}

/**
 * The outbox of committed changes (afterCommit). `enqueue` runs inside the write transaction, on its client, so
 * a rolled-back write enqueues nothing and a committed one cannot be lost. Implemented on the job queue
 * (src/jobs/outbox.ts); without a queue, NO_OUTBOX.
 */
export interface Outbox {
  enqueue(tx: Queryable, changes: readonly ResourceChange[]): Promise<void>;
}

export const NO_OUTBOX: Outbox = { enqueue: async () => undefined };
