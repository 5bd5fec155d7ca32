import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { ProvenanceInput } from '../careplan/plan-provenance';
import type { Database, Queryable } from '../../store/database';
import type { ResourceIndex } from '../../store/lookups/index-rows';
import type { StoredVersion } from '../../store/resource-store';
import type { AccessGuard, AuditSink, Outbox } from '../ports';
import type { ConformanceCheck } from './prepare';
import type { BeforeStore, FollowUp } from './stages';

// The repository's contract: what it is built from (RepositoryDeps) and what a write takes and gives.

/** Search-index maintenance and matching, implemented by src/fhir/search. */
export interface SearchIndex {
  /** Pure: every row the resource owns, computed in the prepare stage (before the transaction). */
  indexResource(resource: Resource): ResourceIndex;
  /**
   * Replaces the resource's rows with `index`; that version keeps its access rows too. `fresh`: the resource has
   * no index rows yet (new, or deleted), so there are none to remove.
   */
  storeIndexes(
    tx: Queryable,
    resourceType: string,
    id: string,
    index: ResourceIndex,
    versionId: number,
    fresh?: boolean,
  ): Promise<void>;
  removeIndexes(tx: Queryable, resourceType: string, id: string): Promise<void>;
  findMatches(
    q: Queryable,
    resourceType: string,
    params: ReadonlyArray<[string, string]>,
    limit: number,
  ): Promise<Resource[]>;
}

export interface RepositoryDeps {
  db: Database;
  index: SearchIndex;
  conformance?: ConformanceCheck;
  access?: AccessGuard;
  audit?: AuditSink;
  /** Rules on a change with its previous version, run in the transaction (stages.ts). */
  beforeStore?: readonly BeforeStore[];
  /** Writes that follow from a client's change (the referral effects), at the end of its transaction (stages.ts). */
  followUp?: FollowUp;
  /** Committed changes for the afterCommit consumers; NO_OUTBOX without a job queue. */
  outbox?: Outbox;
  /** Adds a generated (Dutch) narrative to resources that carry none, for systems that only display. */
  narrative?: (resource: Resource) => Resource;
  /** Server-set content before validation (prepare.ts). */
  normalize?: (resource: Resource) => Resource;
  /**
   * Content the server derives from other resources, in the transaction after beforeStore (the zorgbehandelplan's
   * narrative, src/fhir/careplan/plan-summary.ts). It must not change what is validated or indexed.
   */
  derive?: (resource: Resource, q: Queryable) => Promise<Resource>;
  /** Writes that must leave a Provenance (the zorgbehandelplan) and how it reads (src/fhir/careplan). */
  /** Refuse (422) literal references to resources of this server that do not exist (ENFORCE_REFERENTIAL_INTEGRITY). */
  referentialIntegrity?: boolean;
  provenance?: {
    required(resource: Resource | undefined): boolean;
    build(input: ProvenanceInput): Resource;
  };
}

export interface WriteResult {
  version: StoredVersion;
  /** 201 for a new resource, 200 for an update or an existing match. */
  status: 200 | 201;
}

export interface WriteOptions {
  ifMatch?: string;
  /** A client's own update (REST or a Bundle entry): beforeStore rules on client workflows apply (stages.ts). */
  clientRequest?: boolean;
  ifNoneExist?: string;
  /** Bundle the resource came in, for resolve() in profile slicing. */
  bundle?: Bundle;
  /** Server-assigned id chosen earlier (transaction urn:uuid mapping). */
  assignedId?: string;
  /** Transactions: the existing resource an ifNoneExist matched when ids were decided. */
  matchedId?: string;
}
