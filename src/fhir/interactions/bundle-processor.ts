import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { RequestContext } from '../../kernel/request-context';
import { parseReference } from '../../kernel/reference';
import { badRequest, FhirError, issue, preconditionFailed, unprocessable } from '../../kernel/outcome';
import { routeFor, type FhirRequest, type FhirResponse } from './fhir-request';
import type { Executor } from './execute';
import { collectReferences, referencesWithPaths, rewriteReferences } from './reference-rewrite';
import { unavailableError } from '../rest/error-response';
import { processingOrder } from './write-order';

export interface BundleOptions {
  /** Largest accepted number of entries (MAX_BUNDLE_ENTRIES): one transaction holds the write lock throughout. */
  maxEntries: number;
}

interface ParsedEntry {
  index: number;
  fullUrl?: string;
  request: FhirRequest;
}

/** Processes transaction (atomic, one database transaction) and batch (independent entries) Bundles. */
export function createBundleProcessor(options: BundleOptions) {
  return {
    async process(ctx: RequestContext, bundle: Bundle, executor: Executor): Promise<Bundle> {
      if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
        throw badRequest(`Bundle.type must be transaction or batch, got "${bundle.type}"`, 'Bundle.type');
      }
      if (bundle.entry !== undefined && !Array.isArray(bundle.entry))
        throw badRequest('Bundle.entry must be an array', 'Bundle.entry');
      const raw = bundle.entry ?? [];
      checkSize(raw.length, options.maxEntries);
      checkUniqueFullUrls(raw);
      if (bundle.type === 'batch') return batch(ctx, raw, executor);
      const entries = raw.map((entry, index) => parseEntry(entry, index, ctx.baseUrl));
      return transaction(ctx, bundle, entries, executor);
    },
  };
}

function checkSize(count: number, max: number): void {
  if (count <= max) return;
  throw new FhirError(413, [
    issue(
      'too-costly',
      `The Bundle has ${count} entries; this server accepts at most ${max} (MAX_BUNDLE_ENTRIES). ` +
        'Split it into several Bundles of at most that size.',
      'Bundle.entry',
    ),
  ]);
}

/** R4 bdl-7: fullUrl is unique within a Bundle (transaction and batch alike). */
function checkUniqueFullUrls(entries: readonly BundleEntry[]): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const fullUrl = entry && typeof entry === 'object' ? entry.fullUrl : undefined;
    if (typeof fullUrl !== 'string') return;
    const first = seen.get(fullUrl);
    if (first !== undefined) {
      throw badRequest(
        `Entries ${first} and ${index} have the same fullUrl "${fullUrl}"; every entry needs its own fullUrl`,
        [`Bundle.entry[${first}].fullUrl`, `Bundle.entry[${index}].fullUrl`],
      );
    }
    seen.set(fullUrl, index);
  });
}

/**
 * R4 http.html#trules: a transaction fails when the identities its DELETE, POST and PUT entries act on overlap
 * (conditional ones after resolution), since the result would depend on the processing order.
 */
function checkDistinctTargets(entries: readonly ParsedEntry[]): void {
  const seen = new Map<string, number>();
  for (const { index, request } of entries) {
    if (!['create', 'update', 'delete'].includes(request.kind)) continue;
    const id = request.kind === 'create' ? (request.matchedId ?? request.assignedId) : request.id;
    if (!id) continue;
    const key = `${request.resourceType}/${id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw badRequest(
        `Entries ${first} and ${index} both change ${key}; a transaction may touch each resource once`,
        [`Bundle.entry[${first}].request.url`, `Bundle.entry[${index}].request.url`],
      );
    }
    seen.set(key, index);
  }
}

/** The caller's processing deadline (if one is set): a transaction past it is rolled back, not finished late. */
function checkDeadline(ctx: RequestContext, index: number): void {
  if (ctx.deadline === undefined || Date.now() <= ctx.deadline) return;
  throw new FhirError(
    503,
    [
      issue(
        'timeout',
        `The transaction ran past its processing deadline at entry ${index}; nothing was stored. ` +
          'Send smaller Bundles.',
        `Bundle.entry[${index}]`,
      ),
    ],
    { 'Retry-After': '5' },
  );
}

function parseEntry(entry: BundleEntry, index: number, baseUrl: string): ParsedEntry {
  const where = `Bundle.entry[${index}].request`;
  if (entry === null || typeof entry !== 'object')
    throw badRequest(`Entry ${index} must be an object`, `Bundle.entry[${index}]`);
  const method = entry.request?.method;
  const url = entry.request?.url;
  if (typeof method !== 'string' || typeof url !== 'string') {
    throw badRequest(`Entry ${index} needs request.method and request.url as strings`, where);
  }
  if (
    entry.resource !== undefined &&
    (entry.resource === null || typeof entry.resource !== 'object' || Array.isArray(entry.resource))
  ) {
    throw badRequest(
      `Entry ${index}: resource must be a FHIR resource object`,
      `Bundle.entry[${index}].resource`,
    );
  }
  requireStrings(entry, index);
  const relative = url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url;
  const [path, queryString = ''] = relative.split('?', 2);
  let route: ReturnType<typeof routeFor>;
  try {
    route = routeFor(method, path);
  } catch (err) {
    // e.g. PATCH (405) or an unknown type (404): named by its entry, so the client knows which one.
    throw withEntry(err, index, where);
  }
  if (route.kind === 'patch')
    throw withEntry(
      new FhirError(405, [
        issue(
          'not-supported',
          'PATCH is not supported in a Bundle; send the whole resource with PUT (and request.ifMatch)',
        ),
      ]),
      index,
      where,
    );
  return {
    index,
    fullUrl: entry.fullUrl,
    request: {
      ...route,
      method,
      query: [...new URLSearchParams(queryString)],
      body: entry.resource,
      ifMatch: entry.request?.ifMatch,
      ifNoneExist: entry.request?.ifNoneExist,
      ifNoneMatch: entry.request?.ifNoneMatch,
      ifModifiedSince: entry.request?.ifModifiedSince,
      lenient: false,
    },
  };
}

// Bundle.entry.fullUrl and request.ifMatch … are strings in R4; null or an object would reach the executor.
const ENTRY_STRINGS = ['ifMatch', 'ifNoneExist', 'ifNoneMatch', 'ifModifiedSince'] as const;

function requireStrings(entry: BundleEntry, index: number): void {
  const wrong = (value: unknown) => value !== undefined && typeof value !== 'string';
  if (wrong(entry.fullUrl))
    throw badRequest(`Entry ${index}: fullUrl must be a string`, `Bundle.entry[${index}].fullUrl`);
  const field = ENTRY_STRINGS.find((name) => wrong(entry.request?.[name]));
  if (field)
    throw badRequest(
      `Entry ${index}: request.${field} must be a string`,
      `Bundle.entry[${index}].request.${field}`,
    );
}

async function transaction(
  ctx: RequestContext,
  bundle: Bundle,
  entries: ParsedEntry[],
  executor: Executor,
): Promise<Bundle> {
  // Every entry, reads included, runs on the one transaction (they see each other's writes).
  const responses = await executor.repository.withTransaction(async (repository) => {
    const bound = executor.withRepository(repository);
    const mapping = await resolveIdentities(entries, bound);
    checkDistinctTargets(entries);
    await resolveConditionalReferences(entries, mapping, bound);
    checkUrnReferences(entries.map((e) => ({ index: e.index, body: e.request.body })));
    repository.expectWrites(new Set(mapping.values()));
    const resolvedBundle = {
      ...bundle,
      entry: entries.map((e) => ({ fullUrl: e.fullUrl, resource: e.request.body })),
    };
    const ordered = processingOrder(entries);
    const results = new Map<number, FhirResponse>();
    const invalid: OperationOutcomeIssue[] = [];
    let refused: unknown;
    for (const entry of ordered) {
      checkDeadline(ctx, entry.index);
      try {
        results.set(entry.index, await executeEntry(ctx, entry, bound, resolvedBundle as Bundle));
      } catch (err) {
        // Keep going on validation errors so the client sees every invalid entry at once, and past an access
        // refusal, which only counts once the Bundle is valid (validation first); anything else aborts.
        if (err instanceof FhirError && err.status === 422)
          invalid.push(...prefixIssues(err.issues, entry.index));
        else if (err instanceof FhirError && err.status === 403) refused ??= withEntry(err, entry.index);
        else throw withEntry(err, entry.index);
      }
    }
    if (invalid.length) throw unprocessable(invalid);
    if (refused) throw refused;
    return entries.map((e) => results.get(e.index) as FhirResponse);
  });
  return { resourceType: 'Bundle', type: 'transaction-response', entry: responses.map(responseEntry) };
}

/** Batch entries are independent: one that cannot be parsed or fails is answered alone, the rest still run. */
async function batch(ctx: RequestContext, raw: BundleEntry[], executor: Executor): Promise<Bundle> {
  const entry: BundleEntry[] = [];
  const fullUrls = new Set(raw.map((e) => e?.fullUrl).filter((u) => typeof u === 'string'));
  for (const [index, item] of raw.entries()) {
    try {
      const e = parseEntry(item, index, ctx.baseUrl);
      checkUrnReferences([{ index, body: e.request.body }], fullUrls);
      entry.push(responseEntry(await executeEntry(ctx, e, executor)));
    } catch (err) {
      entry.push(failedEntry(ctx, err, index));
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry };
}

function failedEntry(ctx: RequestContext, err: unknown, index: number): BundleEntry {
  let error = err instanceof FhirError ? err : unavailableError(err);
  if (!error) {
    // A fault, not a client mistake: it must reach the log like any other 500, tied to the request.
    ctx.logger?.error({ err, requestId: ctx.requestId, entry: index }, 'batch entry failed');
    error = new FhirError(500, [
      issue('exception', `Entry ${index}: internal error (request id ${ctx.requestId})`),
    ]);
  }
  return { response: { status: String(error.status), outcome: error.toOperationOutcome() } };
}

/**
 * A `urn:uuid:` reference is Bundle-local: one left after the fullUrls of the Bundle were resolved (or, in a batch,
 * one naming no fullUrl of the Bundle) points nowhere, and storing it would leave e.g. a Task without its focus.
 */
function checkUrnReferences(
  entries: ReadonlyArray<{ index: number; body?: unknown }>,
  known: ReadonlySet<string> = new Set(),
): void {
  for (const { index, body } of entries) {
    if (!body) continue;
    const base = `Bundle.entry[${index}].resource`;
    const unresolved = referencesWithPaths(body, base).filter(
      (r) => r.reference.startsWith('urn:uuid:') && !known.has(r.reference),
    );
    if (!unresolved.length) continue;
    throw new FhirError(
      400,
      unresolved.map((r) =>
        issue(
          'not-found',
          `Entry ${index}: reference "${r.reference}" at ${r.path} names no fullUrl of this Bundle; ` +
            'add the entry with that fullUrl, or reference an existing resource as Type/id. Nothing was stored.',
          r.path,
        ),
      ),
    );
  }
}

function executeEntry(ctx: RequestContext, e: ParsedEntry, executor: Executor, bundle?: Bundle) {
  if (e.request.kind === 'batch-or-transaction')
    throw badRequest('A Bundle entry cannot itself be a transaction', `Bundle.entry[${e.index}].request`);
  return executor.execute(ctx, e.request, bundle);
}

/**
 * Decides the id of every POST and conditional PUT up front, so `urn:uuid:` references can be rewritten before
 * anything is written. A POST with ifNoneExist that matches maps to the existing resource and writes nothing.
 */
async function resolveIdentities(entries: ParsedEntry[], executor: Executor): Promise<Map<string, string>> {
  const mapping = new Map<string, string>();
  const writes = new Map<string, number>();
  for (const { request } of entries)
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.resourceType)
      writes.set(request.resourceType, (writes.get(request.resourceType) ?? 0) + 1);
  for (const e of entries) {
    const { request } = e;
    const type = request.resourceType as string;
    let target: string | undefined;
    if (request.kind === 'create') {
      const match = request.ifNoneExist
        ? await singleMatch(executor, type, request.ifNoneExist, e.index)
        : undefined;
      if (match) {
        target = `${type}/${match.id}`;
        request.matchedId = match.id;
      } else {
        request.assignedId = randomUUID();
        request.noneExists = request.ifNoneExist !== undefined && writes.get(type) === 1;
        target = `${type}/${request.assignedId}`;
      }
    } else if (request.kind === 'update') {
      target = `${type}/${request.id}`;
    } else if (request.kind === 'conditional-update') {
      const match = await singleMatch(executor, type, new URLSearchParams(request.query).toString(), e.index);
      request.id = match?.id ?? (request.body?.id as string | undefined) ?? randomUUID();
      request.kind = 'update';
      target = `${type}/${request.id}`;
    } else if (request.kind === 'conditional-delete') {
      // Resolved up front, so that an overlap with another entry is seen (R4 http.html#trules).
      const criteria = new URLSearchParams(request.query).toString();
      const match = await singleMatch(executor, type, criteria, e.index);
      if (match) Object.assign(request, { kind: 'delete', id: match.id, query: [] });
    }
    if (target && e.fullUrl) mapping.set(e.fullUrl, target);
    // A conditional reference repeating a create's ifNoneExist means that entry, even when it is new.
    if (target && request.kind === 'create' && request.ifNoneExist)
      mapping.set(`${type}?${request.ifNoneExist}`, target);
  }
  return mapping;
}

async function resolveConditionalReferences(
  entries: ParsedEntry[],
  mapping: Map<string, string>,
  executor: Executor,
): Promise<void> {
  for (const e of entries) {
    if (!e.request.body) continue;
    for (const ref of collectReferences(e.request.body)) {
      const parsed = parseReference(ref);
      if (mapping.has(ref) || parsed.kind !== 'conditional') continue;
      const { resourceType: type, criteria } = parsed;
      const match = await singleMatch(executor, type, criteria, e.index);
      if (!match)
        throw preconditionFailed(
          `Conditional reference "${ref}" in entry ${e.index} matches no resource`,
          `Bundle.entry[${e.index}].resource`,
        );
      mapping.set(ref, `${type}/${match.id}`);
    }
  }
  for (const e of entries) {
    if (e.request.body) e.request.body = rewriteReferences(e.request.body, mapping);
  }
}

function singleMatch(executor: Executor, type: string, criteria: string, index: number) {
  return executor.repository.conditionalMatch(
    type,
    criteria,
    `Entry ${index}:`,
    `Bundle.entry[${index}].request`,
  );
}

function prefixIssues(issues: OperationOutcomeIssue[], index: number): OperationOutcomeIssue[] {
  return issues.map((i) => ({
    ...i,
    expression: (i.expression ?? []).map((x) =>
      x.replace(/^[A-Z][A-Za-z]+/, `Bundle.entry[${index}].resource`),
    ),
    diagnostics: `Entry ${index}: ${i.diagnostics}`,
  }));
}

function withEntry(err: unknown, index: number, expression?: string): unknown {
  if (!(err instanceof FhirError)) return err;
  return new FhirError(
    err.status,
    err.issues.map((i) => ({
      ...i,
      diagnostics: `Entry ${index}: ${i.diagnostics}`,
      ...(expression && !i.expression ? { expression: [expression] } : {}),
    })),
    err.headers,
  );
}

function responseEntry(r: FhirResponse): BundleEntry {
  const status =
    r.status === 201
      ? '201 Created'
      : r.status === 204
        ? '204 No Content'
        : `${r.status} ${r.status === 200 ? 'OK' : ''}`.trim();
  return {
    resource: r.body,
    response: {
      status,
      location: r.location,
      etag: r.etag,
      lastModified: r.lastModified ? new Date(r.lastModified).toISOString() : undefined,
    },
  };
}
