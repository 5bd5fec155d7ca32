import type { Provenance, Resource } from '@medplum/fhirtypes';
import type { AccessRestriction } from './access-restriction';
import type { Caller } from './caller';
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
  /** The X-Provenance header (as Medplum and HAPI take it): why and on whose behalf the client writes. */
  provenance?: Provenance;
}

export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

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
  /**
   * Current versions of entities the caller holds already (a read's resource, a search's matches): whom they
   * are about is taken from them, which spares the audit trail a look-up in the database. Not stored.
   */
  known?: readonly Resource[];
}
