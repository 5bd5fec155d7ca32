import { randomUUID } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import {
  headerFault,
  newScope,
  noteEffects,
  noteProvenance,
  provenanceDue,
  rederive,
  type TransactionScope,
} from './transaction-end';
import type { Database, Queryable } from '../../store/database';
import {
  resourceStore,
  type StoredVersion,
  type HistoryPage,
  type HistoryQuery,
} from '../../store/resource-store';
import type { RequestContext, WriteChange } from '../../kernel/request-context';
import { NO_OUTBOX } from '../ports';
import { badRequest, FhirError, gone, issue, notFound, preconditionFailed } from '../../kernel/outcome';
import { parseCriteria } from '../search/criteria';
import { checkIfMatch, checkUpdateId } from './preconditions';
import type { RepositoryDeps, WriteOptions, WriteResult } from './repository-types';
import { prepareWrite, stamp, withId, type PreparedWrite } from './prepare';
import { changeOf, type BeforeStoreChange, type FollowUpChange } from './stages';
import { checkReferentialIntegrity } from './referential-integrity';

const MAX_CONDITIONAL_MATCHES = 2;

/**
 * The write path: every create, update and delete passes through here, so validation, access policy, history,
 * index maintenance, audit and the outbox cannot be bypassed. Validation and index extraction run before the
 * transaction (prepare.ts); a repository from withTransaction is bound to one transaction, and every call on it
 * (reads included, so they see its writes) runs there. Otherwise each write runs in a transaction of its own.
 */
export class FhirRepository {
  constructor(
    private readonly deps: RepositoryDeps,
    private readonly scope?: TransactionScope,
  ) {}

  get db(): Database {
    return this.deps.db;
  }

  /** Where this repository's statements go: its transaction, or the pool. */
  get queryable(): Queryable {
    return this.scope?.tx ?? this.deps.db.pool;
  }

  /**
   * Runs `fn` with a repository bound to one transaction, which commits when `fn` resolves. Nested calls reuse the
   * outer transaction. The outbox rows of every change are inserted just before the commit, in the transaction.
   */
  withTransaction<T>(fn: (repo: FhirRepository) => Promise<T>): Promise<T> {
    if (this.scope) return fn(this);
    // No audit lock here: the audit row is one INSERT, and the chain is sealed after commit (issue 9).
    return this.deps.db.transaction(async (tx) => {
      const scope = newScope(tx);
      const repo = new FhirRepository(this.deps, scope);
      const result = await fn(repo);
      await repo.runFollowUps(scope);
      // A transaction Bundle may write what a derived summary shows after the resource that shows it.
      if (scope.changes.length > 1) await rederive(scope, this.deps.derive);
      await repo.recordProvenance(scope);
      if (scope.changes.length) await (this.deps.outbox ?? NO_OUTBOX).enqueue(tx, scope.changes);
      return result;
    });
  }

  /**
   * `Type/id`s this transaction will write (a transaction Bundle's entries, decided before any is stored): a
   * reference to one of them counts as existing for referential integrity, whichever entry is stored first.
   */
  expectWrites(keys: Iterable<string>): void {
    for (const key of keys) this.scope?.pending.add(key);
  }

  /**
   * The follow-up writes of the transaction's client changes (the referral effects), through this transaction-bound
   * repository; the versions they write become targets of the change's Provenance.
   */
  private async runFollowUps(scope: TransactionScope): Promise<void> {
    const followUp = this.deps.followUp;
    if (!followUp) return;
    for (let change = scope.followUps.shift(); change; change = scope.followUps.shift())
      noteEffects(scope, change, await followUp.run(this, change));
  }

  /** The server's Provenance of the transaction's writes that need one (transaction-end.ts). */
  private async recordProvenance(scope: TransactionScope): Promise<void> {
    const build = this.deps.provenance?.build;
    if (!build) return;
    for (const input of provenanceDue(scope)) {
      const ctx = { requestId: input.requestId, baseUrl: input.baseUrl };
      await headerFault(input, () => this.create(ctx, build(input)));
    }
  }

  async read(ctx: RequestContext, resourceType: string, id: string): Promise<StoredVersion> {
    const q = this.queryable;
    const current = await resourceStore.current(q, resourceType, id);
    if (!current) throw notFound(`${resourceType}/${id} is not known`);
    if (current.deleted) throw gone(`${resourceType}/${id} was deleted`);
    await this.assertReadable(q, ctx, current.resource as Resource);
    return current;
  }

  async vread(
    ctx: RequestContext,
    resourceType: string,
    id: string,
    versionId: string,
  ): Promise<StoredVersion> {
    const q = this.queryable;
    const vid = /^[1-9]\d{0,9}$/.test(versionId) ? Number(versionId) : NaN;
    if (!Number.isInteger(vid) || vid < 1)
      throw notFound(`Version "${versionId}" of ${resourceType}/${id} is not known`);
    const version = await resourceStore.version(q, resourceType, id, vid);
    if (!version) throw notFound(`Version ${vid} of ${resourceType}/${id} is not known`);
    if (version.deleted) throw gone(`Version ${vid} of ${resourceType}/${id} is a deletion`);
    await this.assertReadable(q, ctx, version.resource as Resource);
    return version;
  }

  /** History, filtered for access in SQL before paging (see resourceStore.history). */
  async history(ctx: RequestContext, query: Omit<HistoryQuery, 'access'>): Promise<HistoryPage> {
    // ctx.access is computed by the executor before history; undefined means unrestricted.
    const access = this.deps.access && ctx.caller ? ctx.access : undefined;
    return resourceStore.history(this.queryable, { ...query, access });
  }

  /** Resources matching search parameters, unfiltered by access: for conditional interactions and the server. */
  async findMatches(
    resourceType: string,
    params: ReadonlyArray<[string, string]>,
    limit = MAX_CONDITIONAL_MATCHES,
  ): Promise<Resource[]> {
    return this.deps.index.findMatches(this.queryable, resourceType, params, limit);
  }

  /**
   * Whether the access policy would allow this change for the caller (nothing is written), for an import that
   * keeps what it may not change instead of failing as a whole. Run it in the transaction that then writes.
   */
  async mayWrite(ctx: RequestContext, change: WriteChange): Promise<boolean> {
    if (!this.deps.access || !ctx.caller) return true;
    try {
      await this.deps.access.checkWrite(this.queryable, ctx, change);
      return true;
    } catch (err) {
      if (err instanceof FhirError && err.status === 403) return false;
      throw err;
    }
  }

  async create(ctx: RequestContext, resource: Resource, options: WriteOptions = {}): Promise<WriteResult> {
    if (options.matchedId) {
      const matchedId = options.matchedId;
      return this.withTransaction(async (repo) => {
        const matched = await resourceStore.current(repo.queryable, resource.resourceType, matchedId);
        return repo.existingMatch(ctx, matched?.resource as Resource, () =>
          this.prepare({ ...resource, id: matchedId }, options.bundle),
        );
      });
    }
    const id = options.assignedId ?? randomUUID();
    const prepared = await this.prepareCreate(ctx, { ...resource, id }, options);
    if (!('stored' in prepared)) return prepared;
    return this.withTransaction(async (repo) => {
      if (options.ifNoneExist !== undefined) {
        const existing = await repo.conditionalMatch(
          resource.resourceType,
          options.ifNoneExist,
          'If-None-Exist',
        );
        if (existing)
          return repo.existingMatch(ctx, existing, () =>
            withId(this.prepareDeps(), prepared, existing.id as string),
          );
      }
      const request = options.clientRequest ? {} : undefined;
      return repo.store(ctx, prepared, undefined, 'POST', request);
    });
  }

  async update(
    ctx: RequestContext,
    resourceType: string,
    id: string,
    resource: Resource,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    checkUpdateId(resourceType, id, resource);
    const prepared = this.prepare({ ...resource, id }, options.bundle);
    return this.withTransaction((repo) => repo.storeUpdate(ctx, prepared, options));
  }

  /**
   * PATCH: `apply` (a JSON Patch) to the current version, locked, then the path of an update (validation,
   * beforeStore rules, If-Match). The lock is taken first, so a patch without If-Match cannot lose another write.
   */
  async patch(
    ctx: RequestContext,
    resourceType: string,
    id: string,
    apply: (current: Resource) => Resource,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.withTransaction(async (repo) => {
      const current = await resourceStore.current(repo.queryable, resourceType, id, true);
      if (!current) throw notFound(`${resourceType}/${id} is not known`);
      if (current.deleted) throw gone(`${resourceType}/${id} was deleted`);
      await repo.assertReadable(repo.queryable, ctx, current.resource as Resource);
      checkIfMatch(options.ifMatch, current);
      const patched = apply(current.resource as Resource);
      const prepared = repo.prepare({ ...patched, id }, options.bundle);
      return repo.storeUpdate(ctx, prepared, options);
    });
  }

  /** R4 http.html#cond-update: no match creates, one match updates, several → 412. */
  async conditionalUpdate(
    ctx: RequestContext,
    resource: Resource,
    criteria: string,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    // The id is only known once the criteria are resolved (in the transaction); a changed id is re-indexed there.
    const provisional = resource.id ?? randomUUID();
    if (resource.id !== undefined) checkUpdateId(resource.resourceType, resource.id, resource);
    const prepared = this.prepare({ ...resource, id: provisional }, options.bundle);
    return this.withTransaction(async (repo) => {
      const match = await repo.conditionalMatch(resource.resourceType, criteria, 'conditional update');
      if (!match) {
        if (resource.id) return repo.storeUpdate(ctx, prepared, options);
        return repo.store(ctx, prepared, undefined, 'POST');
      }
      if (resource.id !== undefined && resource.id !== match.id) {
        throw badRequest(
          `Resource id "${resource.id}" differs from the id "${match.id}" of the resource matching the criteria`,
          `${resource.resourceType}.id`,
        );
      }
      const rebound = withId(this.prepareDeps(), prepared, match.id as string);
      return repo.storeUpdate(ctx, rebound, options);
    });
  }

  async delete(ctx: RequestContext, resourceType: string, id: string): Promise<StoredVersion | undefined> {
    return this.withTransaction(async (repo) => {
      const q = repo.queryable;
      const previous = await resourceStore.current(q, resourceType, id, true);
      if (!previous) throw notFound(`${resourceType}/${id} is not known`);
      if (previous.deleted) return undefined;
      await this.deps.access?.checkWrite(q, ctx, {
        interaction: 'delete',
        resourceType,
        previous: previous.resource,
      });
      await repo.runBeforeStore(ctx, 'delete', undefined, previous);
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
      await repo.afterWrite(ctx, version, 'delete');
      if (repo.scope)
        noteProvenance(
          repo.scope,
          this.deps.provenance,
          ctx,
          version,
          'delete',
          previous.resource as Resource,
        );
      return version;
    });
  }

  /** R4 http.html#cdelete: single-match mode; no match is not an error, several → 412. */
  async conditionalDelete(ctx: RequestContext, resourceType: string, criteria: string) {
    return this.withTransaction(async (repo) => {
      const match = await repo.conditionalMatch(resourceType, criteria, 'conditional delete');
      return match ? repo.delete(ctx, resourceType, match.id as string) : undefined;
    });
  }

  /** The single resource matching conditional criteria, or none; several matches are 412 (R4 http.html#cond-update). */
  async conditionalMatch(
    resourceType: string,
    criteria: string,
    what: string,
    expression?: string,
  ): Promise<Resource | undefined> {
    const params = parseCriteria(criteria, what, expression);
    const matches = await this.findMatches(resourceType, params);
    if (matches.length > 1) {
      throw preconditionFailed(
        `${what} criteria "${criteria}" match more than one ${resourceType}`,
        expression,
      );
    }
    return matches[0];
  }

  private prepareDeps() {
    return { ...this.deps, indexResource: this.deps.index.indexResource };
  }

  /** The prepare stage (prepare.ts): throws 422 for an invalid resource, before any transaction. */
  private prepare(resource: Resource, bundle?: Bundle): PreparedWrite {
    return prepareWrite(this.prepareDeps(), resource, bundle);
  }

  /**
   * A conditional create of an invalid resource whose criteria match answers with the match, as before the
   * prepare stage moved out of the transaction: the criteria are then resolved without one.
   */
  private async prepareCreate(
    ctx: RequestContext,
    resource: Resource,
    options: WriteOptions,
  ): Promise<PreparedWrite | WriteResult> {
    try {
      return this.prepare(resource, options.bundle);
    } catch (err) {
      if (!(err instanceof FhirError) || err.status !== 422 || options.ifNoneExist === undefined) throw err;
      const existing = await this.conditionalMatch(
        resource.resourceType,
        options.ifNoneExist,
        'If-None-Exist',
      );
      // A match the caller may not see must not turn its 422 into a success (that would reveal the match).
      if (!existing || !(await this.canSee(ctx, existing))) throw err;
      return this.existingMatch(ctx, existing, () => {
        throw err;
      });
    }
  }

  private async storeUpdate(ctx: RequestContext, prepared: PreparedWrite, options: WriteOptions) {
    const { resourceType, id } = prepared.stored;
    const previous = await resourceStore.current(this.queryable, resourceType, id as string, true);
    checkIfMatch(options.ifMatch, previous);
    const request = options.clientRequest ? { ifMatch: options.ifMatch } : undefined;
    return this.store(ctx, prepared, previous, 'PUT', request);
  }

  /**
   * The answer to a conditional create that matched `existing`. When the caller may not see the match, the
   * answer is the one a create would give (issue 11: whether the service knew e.g. a BSN is health information):
   * 201, version 1, now, and the caller's own resource as the server would have stored it under the match's id.
   * Nothing is written; the match is referenced, never overwritten.
   */
  private async existingMatch(
    ctx: RequestContext,
    existing: Resource,
    sent: () => PreparedWrite,
  ): Promise<WriteResult> {
    const q = this.queryable;
    const version = await resourceStore.current(q, existing.resourceType, existing.id as string);
    if (await this.canSee(ctx, existing)) return { version: version as StoredVersion, status: 200 };
    return this.asIfCreated(ctx, sent());
  }

  private async canSee(ctx: RequestContext, resource: Resource): Promise<boolean> {
    return !this.deps.access || !ctx.caller || this.deps.access.canRead(this.queryable, ctx, resource);
  }

  /** A create's validation, access check and response, without the write (see existingMatch). */
  private async asIfCreated(ctx: RequestContext, prepared: PreparedWrite): Promise<WriteResult> {
    const q = this.queryable;
    const { resourceType, id } = prepared.stored as Resource & { id: string };
    const lastUpdated = await resourceStore.now(q);
    const version: StoredVersion = {
      resourceType,
      id,
      versionId: 1,
      lastUpdated,
      deleted: false,
      method: 'POST',
    };
    const { checked, stored } = stamp(prepared, version);
    await this.deps.access?.checkWrite(q, ctx, { interaction: 'create', resourceType, resource: checked });
    // No beforeStore hooks: they may write (a Subscription's row), and here nothing may be written.
    version.resource = this.deps.derive ? await this.deps.derive(stored, q) : stored;
    return { version, status: 201 };
  }

  /** In the transaction: meta, access policy (on validated input), beforeStore, inserts, audit, outbox. */
  private async store(
    ctx: RequestContext,
    prepared: PreparedWrite,
    previous: StoredVersion | undefined,
    method: 'POST' | 'PUT',
    request?: BeforeStoreChange['request'],
  ): Promise<WriteResult> {
    const q = this.queryable;
    const interaction: WriteChange['interaction'] = previous && !previous.deleted ? 'update' : 'create';
    const { resourceType, id } = prepared.stored as Resource & { id: string };
    const version: StoredVersion = {
      resourceType,
      id,
      versionId: (previous?.versionId ?? 0) + 1,
      lastUpdated: await resourceStore.now(q),
      deleted: false,
      method,
    };
    const { checked, stored, index } = stamp(prepared, version);
    await this.deps.access?.checkWrite(q, ctx, {
      interaction,
      resourceType,
      resource: checked,
      previous: previous?.resource,
    });
    await this.runBeforeStore(ctx, interaction, checked, previous, request);
    if (this.deps.referentialIntegrity)
      await checkReferentialIntegrity(q, checked, ctx.baseUrl, this.scope?.pending);
    version.resource = this.deps.derive ? await this.deps.derive(stored, q) : stored;
    if (version.resource !== stored) this.scope?.derived.set(`${resourceType}/${id}`, version);
    await resourceStore.write(q, version);
    const rows = index ?? this.deps.index.indexResource(version.resource);
    // A deletion retired its rows (removeIndexes): only a current version has rows to replace.
    await this.deps.index.storeIndexes(
      q,
      resourceType,
      id,
      rows,
      version.versionId,
      interaction === 'create',
    );
    await this.afterWrite(ctx, version, interaction);
    if (this.scope) {
      noteProvenance(this.scope, this.deps.provenance, ctx, version, interaction, version.resource);
      if (request) this.noteFollowUp(this.scope, ctx, version, previous);
    }
    return { version, status: interaction === 'create' ? 201 : 200 };
  }

  /** A client's own update whose follow-up writes run at the end of the transaction (runFollowUps). */
  private noteFollowUp(
    scope: TransactionScope,
    ctx: RequestContext,
    version: StoredVersion,
    previous: StoredVersion | undefined,
  ): void {
    const change: FollowUpChange = {
      ctx,
      version,
      resource: version.resource as Resource,
      previous: previous?.deleted ? undefined : previous?.resource,
    };
    if (this.deps.followUp?.applies(change)) scope.followUps.push(change);
  }

  private async runBeforeStore(
    ctx: RequestContext,
    interaction: WriteChange['interaction'],
    resource: Resource | undefined,
    previous: StoredVersion | undefined,
    request?: BeforeStoreChange['request'],
  ): Promise<void> {
    for (const hook of this.deps.beforeStore ?? []) {
      await hook({
        interaction,
        resource,
        previous: previous?.deleted ? undefined : previous?.resource,
        caller: ctx.caller,
        request,
        tx: this.queryable,
        pending: this.scope?.pending,
      });
    }
  }

  /** The audit row now, in the transaction; the outbox row at its commit (withTransaction). */
  private async afterWrite(
    ctx: RequestContext,
    version: StoredVersion,
    interaction: WriteChange['interaction'],
  ): Promise<void> {
    const ref = `${version.resourceType}/${version.id}/_history/${version.versionId}`;
    const action = ({ create: 'C', update: 'U', delete: 'D' } as const)[interaction];
    await this.deps.audit?.record(this.queryable, ctx, {
      action,
      interaction,
      outcome: 'success',
      entities: [ref],
    });
    this.scope?.changes.push(changeOf(ctx, version, interaction));
  }

  private async assertReadable(q: Queryable, ctx: RequestContext, resource: Resource): Promise<void> {
    if (!this.deps.access || !ctx.caller) return;
    if (!(await this.deps.access.canRead(q, ctx, resource))) {
      // Another client's Subscription is not even known to exist.
      if (resource.resourceType === 'Subscription')
        throw notFound(`Subscription/${resource.id} is not known`);
      throw new FhirError(403, [
        issue(
          'forbidden',
          `Access to ${resource.resourceType}/${resource.id} is not allowed for this organisation`,
        ),
      ]);
    }
  }
}
