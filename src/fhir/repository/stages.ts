import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import type { StoredVersion } from '../../store/resource-store';
import type { Caller } from '../../kernel/caller';
import type { RequestContext, WriteChange } from '../../kernel/request-context';
import type { ResourceChange } from '../ports';
import type { FhirRepository } from './repository';

/**
 * The stages of a write, in order:
 * 1. prepare (prepare.ts), outside any transaction: default profile, validation, narrative, index extraction;
 * 2. in the transaction: version check (If-Match, conditional match), access policy, beforeStore, derived content
 *    (the zorgbehandelplan's summary), the inserts and the audit row; once all writes of the transaction are done
 *    (transaction-end.ts): the follow-up writes of a client's change (the referral effects), derived content
 *    again, the server's Provenance of a plan or referral write, the outbox rows;
 * 3. afterCommit: the outbox's consumers (src/jobs/outbox.ts), after the commit, with retries.
 */

/** What a beforeStore hook sees: the new version as it will be stored (none for a delete) and the current one. */
export interface BeforeStoreChange {
  interaction: WriteChange['interaction'];
  resource?: Resource;
  previous?: Resource;
  caller?: Caller;
  /**
   * Set when a client asked for this write itself (POST, PUT, PATCH, a transaction entry), with its If-Match; absent for
   * the server's own writes (the MESO document import, jobs), which a client workflow rule does not govern.
   */
  request?: { ifMatch?: string };
  /** The write's transaction, for a rule that must read related resources (through src/store functions). */
  tx: Queryable;
  /** `Type/id`s the transaction Bundle writes (TransactionScope.pending): not stored yet, or refused. */
  pending?: ReadonlySet<string>;
}

/**
 * A rule on a change that needs the previous version (a Task state machine, an immutable field). It runs in the
 * transaction after the access policy; throwing (a FhirError with an OperationOutcome) refuses the write and
 * rolls the transaction back.
 */
export type BeforeStore = (change: BeforeStoreChange) => void | Promise<void>;

/** A client's own change (`request` set, see BeforeStoreChange) as stored, for its follow-up writes. */
export interface FollowUpChange {
  ctx: RequestContext;
  version: StoredVersion;
  resource: Resource;
  previous?: Resource;
}

/** A version written in a transaction, as a Provenance targets it. */
export interface VersionKey {
  resourceType: string;
  id: string;
  versionId: number;
}

/**
 * Writes that follow from a client's change, in its transaction once all the transaction's own writes are done and
 * before the Provenance stage (src/fhir/referral/referral-effects.ts). `applies` is asked when the change is stored;
 * `run` writes through `repo` (bound to the transaction: validated, audited, rolled back with the change) and
 * answers the versions it wrote, which the change's Provenance targets too.
 */
export interface FollowUp {
  applies(change: FollowUpChange): boolean;
  run(repo: FhirRepository, change: FollowUpChange): Promise<VersionKey[]>;
}

/** The outbox message of a stored version. */
export function changeOf(
  ctx: RequestContext,
  version: StoredVersion,
  interaction: WriteChange['interaction'],
): ResourceChange {
  return {
    resourceType: version.resourceType,
    id: version.id,
    versionId: version.versionId,
    interaction,
    lastUpdated: version.lastUpdated,
    requestId: ctx.requestId,
  };
}
