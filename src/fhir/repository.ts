import { randomUUID } from 'node:crypto';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../store/database';
import {
  resourceStore,
  type StoredVersion,
  type HistoryPage,
  type HistoryQuery,
} from '../store/resource-store';
import type { RequestContext, WriteChange } from '../kernel/request-context';
import type { AccessGuard, AuditSink } from './ports';
import {
  badRequest,
  FhirError,
  gone,
  issue,
  notFound,
  preconditionFailed,
  unprocessable,
} from '../kernel/outcome';
import { isValidId } from '../kernel/resource-types';
import { parseCriteria } from './search/criteria';

/** Checks a resource against its profile (setting the default profile when meta.profile is absent). */
export interface ConformanceCheck {
  /** Adds the configured default profile to meta.profile when the resource declares none. */
  applyDefaultProfile(resource: Resource): Resource;
  check(resource: Resource, options?: { bundle?: Bundle; profile?: string }): OperationOutcomeIssue[];
}

/** Search-index maintenance and matching, implemented by src/fhir/search. */
export interface SearchIndex {
  writeIndexes(tx: Queryable, resource: Resource): Promise<void>;
  removeIndexes(tx: Queryable, resourceType: string, id: string): Promise<void>;
  findMatches(
    q: Queryable,
    resourceType: string,
    params: ReadonlyArray<[string, string]>,
    limit: number,
  ): Promise<Resource[]>;
}

/** Called inside the write transaction after each change, e.g. to queue notifications. */
export type WriteListener = (tx: Queryable, ctx: RequestContext, change: StoredVersion) => Promise<void>;

export interface RepositoryDeps {
  db: Database;
  index: SearchIndex;
  conformance?: ConformanceCheck;
  access?: AccessGuard;
  audit?: AuditSink;
  listeners?: WriteListener[];
  /** Adds a generated (Dutch) narrative to resources that carry none, for systems that only display. */
  narrative?: (resource: Resource) => Resource;
}

export interface WriteResult {
  version: StoredVersion;
  /** 201 for a new resource, 200 for an update or an existing match. */
  status: 200 | 201;
  /** False when a conditional create matched an existing resource the caller may not see in full. */
  readable: boolean;
}

export interface WriteOptions {
  ifMatch?: string;
  ifNoneExist?: string;
  /** Bundle the resource came in, for resolve() in profile slicing. */
  bundle?: Bundle;
  /** Server-assigned id chosen earlier (transaction urn:uuid mapping). */
  assignedId?: string;
  /** Transactions: the existing resource an ifNoneExist matched when ids were decided. */
  matchedId?: string;
}

const MAX_CONDITIONAL_MATCHES = 2;

/**
 * The write path: every create, update and delete passes through here, so validation, access policy, history,
 * index maintenance, audit and listeners cannot be bypassed. Each public write runs in its own transaction unless
 * the caller passes one (transaction bundles).
 */
export class FhirRepository {
  constructor(private readonly deps: RepositoryDeps) {}

  get db(): Database {
    return this.deps.db;
  }

  /** A database transaction for writes; everything it changes and audits commits together. */
  writeTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // No audit lock here: the audit row is one INSERT, and the chain is sealed after commit (issue 9).
    return this.deps.db.transaction(fn);
  }

  inTransaction<T>(tx: Queryable | undefined, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return tx ? fn(tx) : this.writeTransaction(fn);
  }

  /** Reads use `q` when given: inside a transaction Bundle, reads must see that transaction's own writes. */
  async read(ctx: RequestContext, resourceType: string, id: string, q?: Queryable): Promise<StoredVersion> {
    const db = q ?? this.deps.db.pool;
    const current = await resourceStore.current(db, resourceType, id);
    if (!current) throw notFound(`${resourceType}/${id} is not known`);
    if (current.deleted) throw gone(`${resourceType}/${id} was deleted`);
    await this.assertReadable(db, ctx, current.resource as Resource);
    return current;
  }

  async vread(
    ctx: RequestContext,
    resourceType: string,
    id: string,
    versionId: string,
    q?: Queryable,
  ): Promise<StoredVersion> {
    const db = q ?? this.deps.db.pool;
    const vid = /^[1-9]\d{0,9}$/.test(versionId) ? Number(versionId) : NaN;
    if (!Number.isInteger(vid) || vid < 1)
      throw notFound(`Version "${versionId}" of ${resourceType}/${id} is not known`);
    const version = await resourceStore.version(db, resourceType, id, vid);
    if (!version) throw notFound(`Version ${vid} of ${resourceType}/${id} is not known`);
    if (version.deleted) throw gone(`Version ${vid} of ${resourceType}/${id} is a deletion`);
    await this.assertReadable(db, ctx, version.resource as Resource);
    return version;
  }

  /** History, filtered for access in SQL before paging (see resourceStore.history); `q` inside a transaction. */
  async history(
    ctx: RequestContext,
    query: Omit<HistoryQuery, 'access'>,
    q?: Queryable,
  ): Promise<HistoryPage> {
    // ctx.access is computed by the executor before history; undefined means unrestricted.
    const access = this.deps.access && ctx.caller ? ctx.access : undefined;
    return resourceStore.history(q ?? this.deps.db.pool, { ...query, access });
  }

  async findMatches(
    q: Queryable,
    resourceType: string,
    params: ReadonlyArray<[string, string]>,
  ): Promise<Resource[]> {
    return this.deps.index.findMatches(q, resourceType, params, MAX_CONDITIONAL_MATCHES);
  }

  async create(
    ctx: RequestContext,
    resource: Resource,
    options: WriteOptions = {},
    tx?: Queryable,
  ): Promise<WriteResult> {
    return this.inTransaction(tx, async (q) => {
      if (options.matchedId) {
        const matched = await resourceStore.current(q, resource.resourceType, options.matchedId);
        return this.existingMatch(q, ctx, matched?.resource as Resource);
      }
      if (options.ifNoneExist !== undefined) {
        const existing = await this.conditionalMatch(
          q,
          resource.resourceType,
          options.ifNoneExist,
          'If-None-Exist',
        );
        if (existing) return this.existingMatch(q, ctx, existing);
      }
      const id = options.assignedId ?? randomUUID();
      return this.store(q, ctx, { ...resource, id }, undefined, 'POST', options);
    });
  }

  async update(
    ctx: RequestContext,
    resourceType: string,
    id: string,
    resource: Resource,
    options: WriteOptions = {},
    tx?: Queryable,
  ): Promise<WriteResult> {
    if (!isValidId(id)) throw badRequest(`"${id}" is not a valid resource id`, `${resourceType}.id`);
    if (resource.id !== undefined && resource.id !== id) {
      throw badRequest(
        `Resource id "${resource.id}" does not match the id "${id}" in the URL`,
        `${resourceType}.id`,
      );
    }
    return this.inTransaction(tx, async (q) => {
      const previous = await resourceStore.current(q, resourceType, id, true);
      checkIfMatch(options.ifMatch, previous);
      return this.store(q, ctx, { ...resource, id }, previous, 'PUT', options);
    });
  }

  /** R4 http.html#cond-update: no match creates, one match updates, several → 412. */
  async conditionalUpdate(
    ctx: RequestContext,
    resource: Resource,
    criteria: string,
    options: WriteOptions = {},
    tx?: Queryable,
  ): Promise<WriteResult> {
    return this.inTransaction(tx, async (q) => {
      const match = await this.conditionalMatch(q, resource.resourceType, criteria, 'conditional update');
      if (!match) {
        if (resource.id) return this.update(ctx, resource.resourceType, resource.id, resource, options, q);
        return this.create(ctx, resource, { ...options, ifNoneExist: undefined }, q);
      }
      if (resource.id !== undefined && resource.id !== match.id) {
        throw badRequest(
          `Resource id "${resource.id}" differs from the id "${match.id}" of the resource matching the criteria`,
          `${resource.resourceType}.id`,
        );
      }
      return this.update(ctx, resource.resourceType, match.id as string, resource, options, q);
    });
  }

  async delete(
    ctx: RequestContext,
    resourceType: string,
    id: string,
    tx?: Queryable,
  ): Promise<StoredVersion | undefined> {
    return this.inTransaction(tx, async (q) => {
      const previous = await resourceStore.current(q, resourceType, id, true);
      if (!previous) throw notFound(`${resourceType}/${id} is not known`);
      if (previous.deleted) return undefined;
      await this.deps.access?.checkWrite(q, ctx, {
        interaction: 'delete',
        resourceType,
        previous: previous.resource,
      });
      const version: StoredVersion = {
        resourceType,
        id,
        versionId: previous.versionId + 1,
        lastUpdated: await resourceStore.now(q),
        deleted: true,
        method: 'DELETE',
      };
      await resourceStore.write(q, version);
      await this.deps.index.removeIndexes(q, resourceType, id);
      await this.afterWrite(q, ctx, version, 'D', 'delete');
      return version;
    });
  }

  /** R4 http.html#cdelete: single-match mode; no match is not an error, several → 412. */
  async conditionalDelete(ctx: RequestContext, resourceType: string, criteria: string, tx?: Queryable) {
    return this.inTransaction(tx, async (q) => {
      const match = await this.conditionalMatch(q, resourceType, criteria, 'conditional delete');
      return match ? this.delete(ctx, resourceType, match.id as string, q) : undefined;
    });
  }

  /** The single resource matching conditional criteria, or none; several matches are 412 (R4 http.html#cond-update). */
  async conditionalMatch(
    q: Queryable,
    resourceType: string,
    criteria: string,
    what: string,
    expression?: string,
  ): Promise<Resource | undefined> {
    const params = parseCriteria(criteria, what, expression);
    const matches = await this.findMatches(q, resourceType, params);
    if (matches.length > 1) {
      throw preconditionFailed(
        `${what} criteria "${criteria}" match more than one ${resourceType}`,
        expression,
      );
    }
    return matches[0];
  }

  private async existingMatch(q: Queryable, ctx: RequestContext, existing: Resource): Promise<WriteResult> {
    const version = await resourceStore.current(q, existing.resourceType, existing.id as string);
    const readable = !this.deps.access || !ctx.caller || (await this.deps.access.canRead(q, ctx, existing));
    return { version: version as StoredVersion, status: 200, readable };
  }

  private async store(
    q: Queryable,
    ctx: RequestContext,
    resource: Resource,
    previous: StoredVersion | undefined,
    method: 'POST' | 'PUT',
    options: WriteOptions,
  ): Promise<WriteResult> {
    const interaction: WriteChange['interaction'] = previous && !previous.deleted ? 'update' : 'create';
    const version: StoredVersion = {
      resourceType: resource.resourceType,
      id: resource.id as string,
      versionId: (previous?.versionId ?? 0) + 1,
      lastUpdated: await resourceStore.now(q),
      deleted: false,
      method,
    };
    // Validate first: the steps after it (access, narrative, indexes, XML) may then rely on well-formed JSON.
    const checked = checkedContent(this.deps, resource, version, options.bundle);
    // Validate, then the access policy: its rules read references, which must be well-formed by now.
    await this.deps.access?.checkWrite(q, ctx, {
      interaction,
      resourceType: resource.resourceType,
      resource: checked,
      previous: previous?.resource,
    });
    const stored = this.deps.narrative ? this.deps.narrative(checked) : checked;
    version.resource = stored;
    await resourceStore.write(q, version);
    await this.deps.index.writeIndexes(q, stored);
    await this.afterWrite(q, ctx, version, interaction === 'create' ? 'C' : 'U', interaction);
    return { version, status: interaction === 'create' ? 201 : 200, readable: true };
  }

  private async afterWrite(
    q: Queryable,
    ctx: RequestContext,
    version: StoredVersion,
    action: 'C' | 'U' | 'D',
    interaction: string,
  ): Promise<void> {
    const ref = `${version.resourceType}/${version.id}/_history/${version.versionId}`;
    await this.deps.audit?.record(q, ctx, { action, interaction, outcome: 'success', entities: [ref] });
    for (const listener of this.deps.listeners ?? []) await listener(q, ctx, version);
  }

  private async assertReadable(q: Queryable, ctx: RequestContext, resource: Resource): Promise<void> {
    if (!this.deps.access || !ctx.caller) return;
    if (!(await this.deps.access.canRead(q, ctx, resource))) {
      throw new FhirError(403, [
        issue(
          'forbidden',
          `Access to ${resource.resourceType}/${resource.id} is not allowed for this organisation`,
        ),
      ]);
    }
  }
}

/** If-Match carries a weak ETag W/"n"; a mismatch or a missing resource is 412 (R4 http.html#concurrency). */
function checkIfMatch(ifMatch: string | undefined, previous: StoredVersion | undefined): void {
  if (ifMatch === undefined) return;
  const wanted = /^(W\/)?"?([^"]*)"?$/.exec(ifMatch.trim())?.[2];
  if (!previous || previous.deleted || String(previous.versionId) !== wanted) {
    const actual = previous && !previous.deleted ? `W/"${previous.versionId}"` : 'no current version';
    throw preconditionFailed(`If-Match ${ifMatch} does not match the current version (${actual})`);
  }
}

/**
 * A new version's content as the write path checks it: the default profile, the version's meta, and the
 * conformance check (422 on an error). Shared with the bulk loader, so both store the same content.
 */
export function checkedContent(
  deps: Pick<RepositoryDeps, 'conformance'>,
  resource: Resource,
  version: Pick<StoredVersion, 'versionId' | 'lastUpdated'>,
  bundle?: Bundle,
): Resource {
  const profiled = deps.conformance ? deps.conformance.applyDefaultProfile(resource) : resource;
  const checked = withMeta(profiled, version);
  if (deps.conformance) {
    const issues = deps.conformance.check(checked, { bundle });
    if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) throw unprocessable(issues);
  }
  return checked;
}

/** What the write path stores for a new version that passed the access policy: checkedContent plus narrative. */
export function contentToStore(
  deps: Pick<RepositoryDeps, 'conformance' | 'narrative'>,
  resource: Resource,
  version: Pick<StoredVersion, 'versionId' | 'lastUpdated'>,
): Resource {
  const checked = checkedContent(deps, resource, version);
  return deps.narrative ? deps.narrative(checked) : checked;
}

function withMeta(resource: Resource, version: Pick<StoredVersion, 'versionId' | 'lastUpdated'>): Resource {
  // A meta that is not an object is left for validation to refuse, not spread into one.
  const sent = resource.meta as unknown;
  if (sent !== undefined && (typeof sent !== 'object' || sent === null || Array.isArray(sent)))
    return resource;
  const meta = { ...resource.meta, versionId: String(version.versionId), lastUpdated: version.lastUpdated };
  return { ...resource, meta };
}
