import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { AccessRestriction } from '../kernel/access-restriction';
import type { Caller } from '../kernel/caller';
import type { Interaction, RequestContext, WriteChange } from '../kernel/request-context';
import type { Party } from './access/patient-compartment';

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
  /** How references name the caller's organisation (its Organization, PractitionerRoles, URA, AGB). */
  partyOf(q: Queryable, caller: Caller): Promise<Party>;
}

// The audit ports are src/audit's (the sink interface beside its implementations); the FHIR layer uses them.
export type { AuditReader, AuditSearchOptions, AuditSink } from '../audit/sink';

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
