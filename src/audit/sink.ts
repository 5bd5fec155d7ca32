import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { AuditEntry, RequestContext } from '../kernel/request-context';

// The audit ports: what the request path needs from an audit trail. No pg in them, so that a second sink can
// be added beside src/audit/audit-trail.ts without touching the pipeline.

/**
 * The NEN 7513 trail (src/audit/audit-trail.ts; a log stream or Kafka sink would sit beside it). With a
 * transaction, the entry commits or rolls back with the write; with the pool it is durable when the promise
 * resolves. No lock is taken: the chain is sealed afterwards.
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
