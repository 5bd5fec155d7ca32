import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import type { FhirRepository } from '../repository';
import type { AuditEntry, Interaction, RequestContext } from '../../kernel/request-context';
import type { AccessGuard, AuditReader, AuditSink } from '../ports';
import { badRequest, FhirError, notFound, notSupported, operationOutcome, issue } from '../../kernel/outcome';
import type { ReleaseGate } from '../release/release-gate';
import type { FhirRequest, FhirResponse } from './fhir-request';
import { notModified, versionResponse } from './response-headers';
import { historyBundle } from './history-bundle';
import { isSupportedType } from '../../kernel/resource-types';
import { historyInstant, wantsHistoryTotal } from './history-params';
import { pageSize, parseCount } from '../search/count';
import { decodeHistoryCursor, encodeHistoryCursor } from '../search/cursor';
import { FORMAT_PARAMS } from '../search/result-params';
import { applyJsonPatch, parsePatchDocument } from './json-patch';

export type SearchFn = (
  q: Queryable,
  resourceType: string,
  params: ReadonlyArray<[string, string]>,
  ctx: {
    baseUrl: string;
    lenient: boolean;
    access?: RequestContext['access'];
    defaultCount: number;
    maxCount: number;
    cursorKey: Uint8Array;
  },
) => Promise<Bundle>;

/** A FHIR $operation: one file each under src/fhir/operations. */
export interface OperationHandler {
  name: string;
  levels: ReadonlyArray<'system' | 'type' | 'instance'>;
  /** The resource types it is defined on (absent: every type). */
  resourceTypes?: readonly string[];
  /** Its OperationDefinition canonical (absent: the generic Resource-{name}). */
  definition?: string;
  /** The scope letter the caller needs on the resource type. */
  interaction: Interaction;
  execute(ctx: RequestContext, request: FhirRequest, executor: Executor): Promise<FhirResponse>;
}

export interface ExecutorDeps {
  repository: FhirRepository;
  search: SearchFn;
  capabilityStatement: (ctx: RequestContext) => Resource;
  operations: ReadonlyMap<string, OperationHandler>;
  bundles: { process(ctx: RequestContext, bundle: Bundle, executor: Executor): Promise<Bundle> };
  access?: AccessGuard;
  audit?: AuditSink;
  /** AuditEvent read and search, from the audit trail's own table (AuditEvent is not stored as a resource). */
  auditReader?: AuditReader;
  paging: { defaultCount: number; maxCount: number; cursorKey: Uint8Array };
  /** Pseudonymised output (src/fhir/release); without it, pseudonymised callers are refused. */
  release?: ReleaseGate;
}

/** Executes one FhirRequest: scope check → interaction → read audit. Writes are audited inside the repository. */
export class Executor {
  constructor(readonly deps: ExecutorDeps) {}

  get repository(): FhirRepository {
    return this.deps.repository;
  }

  /** This executor on another repository: one bound to a transaction (transaction Bundles). */
  withRepository(repository: FhirRepository): Executor {
    return new Executor({ ...this.deps, repository });
  }

  /** The pool, or the transaction of the repository this executor is bound to (reads see its writes). */
  private get db(): Queryable {
    return this.deps.repository.queryable;
  }

  /** Every response to a pseudonymised caller leaves through the release gate, Bundle entries included. */
  async execute(ctx: RequestContext, req: FhirRequest, bundle?: Bundle): Promise<FhirResponse> {
    if (!ctx.caller?.pseudonymised) return this.interact(ctx, req, bundle);
    if (!this.deps.release)
      throw new FhirError(403, [issue('forbidden', 'Pseudonymised output is not available')]);
    return this.deps.release.around(req, (admitted) => this.interact(ctx, admitted, bundle));
  }

  private async interact(ctx: RequestContext, req: FhirRequest, bundle?: Bundle): Promise<FhirResponse> {
    if (req.resourceType === 'AuditEvent' && this.deps.auditReader) return this.auditEvents(ctx, req);
    return this.interactStored(ctx, req, bundle);
  }

  private async interactStored(
    ctx: RequestContext,
    req: FhirRequest,
    bundle?: Bundle,
  ): Promise<FhirResponse> {
    const repo = this.deps.repository;
    const type = req.resourceType as string;
    switch (req.kind) {
      case 'capabilities':
        return { status: 200, body: this.deps.capabilityStatement(ctx) };
      case 'batch-or-transaction':
        return { status: 200, body: await this.deps.bundles.process(ctx, requireBundle(req.body), this) };
      case 'read': {
        this.scope(ctx, type, 'r');
        const version = await repo.read(ctx, type, req.id as string);
        await this.auditRead(ctx, 'read', [`${type}/${req.id}`], undefined, [version.resource as Resource]);
        if (notModified(version, req.ifNoneMatch, req.ifModifiedSince))
          return { ...versionResponse(ctx.baseUrl, version, 304, false), location: undefined };
        return { ...versionResponse(ctx.baseUrl, version, 200, true), location: undefined };
      }
      case 'vread': {
        this.scope(ctx, type, 'r');
        const version = await repo.vread(ctx, type, req.id as string, req.versionId as string);
        await this.auditRead(ctx, 'vread', [`${type}/${req.id}/_history/${req.versionId}`]);
        return { ...versionResponse(ctx.baseUrl, version, 200, true), location: undefined };
      }
      case 'search-type':
        return this.search(ctx, req, type);
      case 'search-system':
        throw notSupported(
          'System-level search is not supported; search per resource type, e.g. GET [base]/Patient?…',
        );
      case 'history-system':
      case 'history-type':
      case 'history-instance':
        return this.history(ctx, req);
      case 'create': {
        this.scope(ctx, type, 'c');
        const body = requireResource(req.body, type);
        const result = await repo.create(ctx, body, {
          ifNoneExist: req.matchedId || req.noneExists ? undefined : req.ifNoneExist,
          assignedId: req.assignedId,
          matchedId: req.matchedId,
          bundle,
          clientRequest: true,
        });
        return writeResponse(ctx, req, result.version, result.status);
      }
      case 'update': {
        this.scope(ctx, type, 'u');
        const body = requireResource(req.body, type);
        const result = await repo.update(ctx, type, req.id as string, body, {
          ifMatch: req.ifMatch,
          bundle,
          clientRequest: true,
        });
        return writeResponse(ctx, req, result.version, result.status);
      }
      case 'conditional-update': {
        this.scope(ctx, type, 'u');
        const body = requireResource(req.body, type);
        const criteria = new URLSearchParams(req.query).toString();
        const result = await repo.conditionalUpdate(ctx, body, criteria, {
          ifMatch: req.ifMatch,
          bundle,
          clientRequest: true,
        });
        return writeResponse(ctx, req, result.version, result.status);
      }
      case 'patch': {
        this.scope(ctx, type, 'u');
        if (req.patch === undefined)
          throw badRequest(
            `PATCH ${type}/${req.id} needs a JSON Patch body (Content-Type application/json-patch+json)`,
          );
        const operations = parsePatchDocument(req.patch, type);
        const apply = (current: Resource) => applyJsonPatch(current, operations);
        const options = { ifMatch: req.ifMatch, bundle, clientRequest: true };
        const result = await repo.patch(ctx, type, req.id as string, apply, options);
        return writeResponse(ctx, req, result.version, result.status);
      }
      case 'delete': {
        this.scope(ctx, type, 'd');
        await repo.delete(ctx, type, req.id as string);
        return { status: 204 };
      }
      case 'conditional-delete': {
        this.scope(ctx, type, 'd');
        await repo.conditionalDelete(ctx, type, new URLSearchParams(req.query).toString());
        return { status: 204 };
      }
      case 'operation':
        return this.operation(ctx, req);
    }
  }

  scope(ctx: RequestContext, resourceType: string, interaction: Interaction): void {
    if (ctx.caller && this.deps.access) this.deps.access.checkScope(ctx.caller, resourceType, interaction);
  }

  /** The caller's access restriction, computed once per request (search, history, operations). */
  async restriction(ctx: RequestContext): Promise<RequestContext['access']> {
    if (!ctx.caller || !this.deps.access) return undefined;
    ctx.access ??= await this.deps.access.restrictionFor(this.db, ctx.caller);
    return ctx.access;
  }

  private async search(ctx: RequestContext, req: FhirRequest, type: string): Promise<FhirResponse> {
    this.scope(ctx, type, 's');
    const access = await this.restriction(ctx);
    const bundle = await this.deps.search(this.db, type, req.query, {
      baseUrl: ctx.baseUrl,
      lenient: req.lenient,
      access,
      ...this.deps.paging,
    });
    const touched = (bundle.entry ?? []).flatMap((e) =>
      e.resource ? [`${e.resource.resourceType}/${e.resource.id}`] : [],
    );
    // Entries cut down by _elements or _summary may lack what tells whom they are about: the trail looks those up.
    const whole = !req.query.some(([k]) => k === '_elements' || k === '_summary');
    const found = whole ? (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])) : [];
    await this.auditRead(ctx, 'search-type', touched, `${type}?${new URLSearchParams(req.query)}`, found);
    return { status: 200, body: bundle };
  }

  private async history(ctx: RequestContext, req: FhirRequest): Promise<FhirResponse> {
    this.scope(ctx, req.resourceType ?? '*', 'r');
    const known = new Set<string>(['_count', '_since', '_at', '_cursor', '_total', ...FORMAT_PARAMS]);
    if (req.kind === 'history-system') known.add('_type');
    const unknown = req.query.find(([k]) => !known.has(k));
    if (unknown && !req.lenient)
      throw badRequest(`History does not support the parameter "${unknown[0]}"`, unknown[0]);
    const get = (k: string) => req.query.find(([key]) => key === k)?.[1];
    // An empty value is ignored, as in search (R4 search.html#errors).
    const asked = get('_count') || undefined;
    const count = pageSize(asked === undefined ? undefined : parseCount(asked), this.deps.paging);
    const cursor = get('_cursor');
    const types = req.kind === 'history-system' ? this.historyTypes(ctx, req) : undefined;
    const path = [req.resourceType, req.id, '_history'].filter(Boolean).join('/');
    const key = this.deps.paging.cursorKey;
    await this.restriction(ctx);
    const page = await this.deps.repository.history(ctx, {
      resourceType: req.resourceType,
      id: req.id,
      since: historyInstant('_since', get('_since')),
      at: historyInstant('_at', get('_at')),
      count,
      beforeSeq: cursor === undefined ? undefined : decodeHistoryCursor(key, cursor, path),
      types,
      // One AuditEvent is written per request: system history shows them only when asked for by _type.
      excludeTypes: req.kind === 'history-system' && !types ? ['AuditEvent'] : undefined,
      total: wantsHistoryTotal(get('_total'), cursor),
    });
    const touched = page.versions.map((v) => `${v.resourceType}/${v.id}/_history/${v.versionId}`);
    await this.auditRead(ctx, req.kind, touched);
    const next = (seq: number) => encodeHistoryCursor(key, path, seq);
    return { status: 200, body: historyBundle(ctx.baseUrl, path, req.query, page, next) };
  }

  /**
   * AuditEvent from the audit table: read, vread (every record has only version 1), search; admins only. It has
   * no history (its records never change): history is refused, and so is any write (the access policy).
   */
  private async auditEvents(ctx: RequestContext, req: FhirRequest): Promise<FhirResponse> {
    const reader = this.deps.auditReader as AuditReader;
    const db = this.db;
    const interaction = req.kind === 'search-type' ? 's' : 'r';
    if (req.kind === 'read' || req.kind === 'vread' || req.kind === 'search-type') {
      this.scope(ctx, 'AuditEvent', interaction);
      const probe = { resourceType: 'AuditEvent', id: req.id ?? '' } as Resource;
      if (ctx.caller && this.deps.access && !(await this.deps.access.canRead(db, ctx, probe)))
        throw new FhirError(403, [issue('forbidden', 'AuditEvent is not visible to this organisation')]);
    }
    switch (req.kind) {
      case 'read':
      case 'vread': {
        const event = await reader.read(db, req.id as string);
        if (!event || (req.kind === 'vread' && req.versionId !== '1'))
          throw notFound(
            `AuditEvent/${req.id}${req.kind === 'vread' ? `/_history/${req.versionId}` : ''} is not known`,
          );
        const ref = `AuditEvent/${req.id}${req.kind === 'vread' ? '/_history/1' : ''}`;
        await this.auditRead(ctx, req.kind, [ref]);
        return {
          status: 200,
          body: event,
          etag: 'W/"1"',
          lastModified: new Date(event.meta?.lastUpdated as string).toUTCString(),
        };
      }
      case 'search-type': {
        const bundle = await reader.search(db, req.query, {
          baseUrl: ctx.baseUrl,
          lenient: req.lenient,
          defaultCount: this.deps.paging.defaultCount,
          maxCount: this.deps.paging.maxCount,
        });
        const touched = (bundle.entry ?? []).map((e) => `AuditEvent/${e.resource?.id}`);
        await this.auditRead(ctx, 'search-type', touched, `AuditEvent?${new URLSearchParams(req.query)}`);
        return { status: 200, body: bundle };
      }
      case 'history-type':
      case 'history-instance':
        this.scope(ctx, 'AuditEvent', 'r');
        throw noAuditHistory();
      default:
        // NEN 7513: the trail is written by the service only, for everyone including admins.
        throw notSupported(
          'AuditEvent is written by the service only and cannot be created, changed or deleted',
          405,
        );
    }
  }

  /** System history `_type=A,B`: each type must be served and readable (AuditEvent: admins only). */
  private historyTypes(ctx: RequestContext, req: FhirRequest): string[] | undefined {
    const values = req.query.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(','));
    if (values.length === 0) return undefined;
    for (const type of values) {
      if (!isSupportedType(type))
        throw badRequest(`_type "${type}" is not a resource type this server serves`, '_type');
      this.scope(ctx, type, 'r');
      if (type === 'AuditEvent' && this.deps.auditReader) throw noAuditHistory('_type');
    }
    return [...new Set(values)];
  }

  private async operation(ctx: RequestContext, req: FhirRequest): Promise<FhirResponse> {
    const handler = this.deps.operations.get(req.operation as string);
    const level = req.id ? 'instance' : req.resourceType ? 'type' : 'system';
    const onType = !handler?.resourceTypes || handler.resourceTypes.includes(req.resourceType ?? '');
    if (!handler || !handler.levels.includes(level) || !onType) {
      throw notSupported(`Operation $${req.operation} is not supported at ${level} level`, 404);
    }
    this.scope(ctx, req.resourceType ?? '*', handler.interaction);
    return handler.execute(ctx, req, this);
  }

  /** NEN 7513 logs refused and failed attempts too: who tried what, and why it failed. */
  async auditFailure(
    ctx: RequestContext,
    req: Pick<FhirRequest, 'method' | 'resourceType' | 'id' | 'kind'>,
    message: string,
  ): Promise<void> {
    const action =
      ({ POST: 'C', PUT: 'U', DELETE: 'D' } as Record<string, AuditEntry['action']>)[req.method] ?? 'R';
    const entity = req.resourceType && req.id ? [`${req.resourceType}/${req.id}`] : [];
    await this.deps.audit?.record(this.deps.repository.db.pool, ctx, {
      action,
      interaction: req.kind,
      outcome: 'failure',
      entities: entity,
      description: message,
    });
  }

  /** Read audits are durable before the response; inside a transaction Bundle they commit with it. */
  async auditRead(
    ctx: RequestContext,
    interaction: string,
    entities: string[],
    query?: string,
    known?: readonly Resource[],
  ): Promise<void> {
    await this.deps.audit?.record(this.db, ctx, {
      action: interaction.startsWith('search') ? 'E' : 'R',
      interaction,
      outcome: 'success',
      entities,
      query,
      known,
    });
  }
}

const noAuditHistory = (expression?: string) =>
  badRequest(
    'AuditEvent has no history: audit records never change. Search them instead, e.g. GET [base]/AuditEvent?date=ge2025-01-01&patient=Patient/…',
    expression,
    'not-supported',
  );

function writeResponse(
  ctx: RequestContext,
  req: FhirRequest,
  version: Parameters<typeof versionResponse>[1],
  status: number,
): FhirResponse {
  const response = versionResponse(ctx.baseUrl, version, status, true);
  if (req.preferReturn === 'minimal') return { ...response, body: undefined };
  if (req.preferReturn === 'OperationOutcome') {
    const text = status === 201 ? 'Created' : 'Updated';
    return {
      ...response,
      body: operationOutcome([
        issue('informational', `${text}: ${version.resourceType}/${version.id}`, undefined, 'information'),
      ]),
    };
  }
  return response;
}

function requireResource(body: Resource | undefined, resourceType: string): Resource {
  if (!body) throw badRequest(`A ${resourceType} resource is required in the request body`);
  if (body.resourceType !== resourceType) {
    throw badRequest(`Expected a ${resourceType} but the body is a ${body.resourceType}`, 'resourceType');
  }
  return body;
}

function requireBundle(body: Resource | undefined): Bundle {
  if (!body || body.resourceType !== 'Bundle') {
    throw badRequest('POST to the base needs a Bundle of type transaction or batch', 'resourceType');
  }
  return body as Bundle;
}
