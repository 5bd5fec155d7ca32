import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { AccessRestriction } from '../store/access-restriction';
import type { Caller } from '../security/caller';
import type { Logger } from 'pino';

/** Everything an interaction needs to know about the request it serves. */
export interface RequestContext {
  requestId: string;
  /** Absolute base of the FHIR endpoint, e.g. http://localhost:8080/fhir */
  baseUrl: string;
  caller?: Caller;
  /** What the caller may see; undefined = unrestricted. Computed once per request by the AccessGuard. */
  access?: AccessRestriction;
  /** Epoch ms after which a transaction stops and rolls back (set from the request deadline, when there is one). */
  deadline?: number;
  /** The request's logger (its lines carry the request id), for faults that do not end the request. */
  logger?: Logger;
}

export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

/** The access policy as the FHIR layer sees it (implemented in src/security). Methods throw FhirError 403. */
export interface AccessGuard {
  restrictionFor(db: Queryable, caller: Caller): Promise<AccessRestriction | undefined>;
  checkScope(caller: Caller, resourceType: string, interaction: Interaction): void;
  /** May this caller see this stored resource? (reads, vreads, history entries) */
  canRead(db: Queryable, ctx: RequestContext, resource: Resource): Promise<boolean>;
  /** Throws when the caller may not make this change; runs inside the write transaction. */
  checkWrite(tx: Queryable, ctx: RequestContext, change: WriteChange): Promise<void>;
}

export interface WriteChange {
  interaction: 'create' | 'update' | 'delete';
  resourceType: string;
  resource?: Resource;
  previous?: Resource;
}

/** One NEN 7513 log entry, before it becomes an AuditEvent. */
export interface AuditEntry {
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  /** FHIR restful interaction: read, vread, search-type, search-system, history-instance, history-type, create, update, delete, transaction, batch, operation; or 'token' / 'auth-failure'. */
  interaction: string;
  outcome: 'success' | 'failure';
  caller?: Caller;
  /** Resources touched, as Type/id[/_history/n]. */
  entities: string[];
  /** The query string of a search, for the audit entity. */
  query?: string;
  description?: string;
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
