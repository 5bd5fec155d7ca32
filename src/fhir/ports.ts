import type { Resource } from '@medplum/fhirtypes';
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
  /** Throws when the caller may not make this change; runs inside the write transaction. */
  checkWrite(tx: Queryable, ctx: RequestContext, change: WriteChange): Promise<void>;
}

/** Writes AuditEvents (implemented in src/security). With a transaction, the entry commits with the write. */
export interface AuditSink {
  record(q: Queryable, ctx: RequestContext, entry: AuditEntry): Promise<void>;
  /**
   * Called first in every write transaction. Appends to the audit chain are serialised by a lock held until commit;
   * taking it before any row lock gives all writers one lock order, so they cannot deadlock.
   */
  beginWrite(tx: Queryable): Promise<void>;
}
