import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import type { RequestContext } from '../request-context';
import { badRequest, FhirError, issue, preconditionFailed, unprocessable } from '../errors';
import { routeFor, type FhirRequest, type FhirResponse } from './fhir-request';
import type { Executor } from './execute';
import { collectReferences, rewriteReferences } from './reference-rewrite';
import { unavailableError } from '../rest/error-response';

// R4 http.html#trules: DELETE, then POST, then PUT/PATCH, then GET/HEAD.
const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };
const CONDITIONAL_REFERENCE = /^[A-Z][A-Za-z]+\?.+/;

interface ParsedEntry {
  index: number;
  fullUrl?: string;
  request: FhirRequest;
}

/** Processes transaction (atomic, one database transaction) and batch (independent entries) Bundles. */
export const bundleProcessor = {
  async process(ctx: RequestContext, bundle: Bundle, executor: Executor): Promise<Bundle> {
    if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
      throw badRequest(`Bundle.type must be transaction or batch, got "${bundle.type}"`, 'Bundle.type');
    }
    if (bundle.entry !== undefined && !Array.isArray(bundle.entry))
      throw badRequest('Bundle.entry must be an array', 'Bundle.entry');
    const entries = (bundle.entry ?? []).map((entry, index) => parseEntry(entry, index, ctx.baseUrl));
    return bundle.type === 'transaction'
      ? transaction(ctx, bundle, entries, executor)
      : batch(ctx, entries, executor);
  },
};

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
  const relative = url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url;
  const [path, queryString = ''] = relative.split('?', 2);
  const route = routeFor(method, path);
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

async function transaction(
  ctx: RequestContext,
  bundle: Bundle,
  entries: ParsedEntry[],
  executor: Executor,
): Promise<Bundle> {
  const responses = await executor.repository.writeTransaction(async (tx) => {
    const mapping = await resolveIdentities(tx, entries, executor);
    await resolveConditionalReferences(tx, entries, mapping, executor);
    const resolvedBundle = {
      ...bundle,
      entry: entries.map((e) => ({ fullUrl: e.fullUrl, resource: e.request.body })),
    };
    const ordered = [...entries].sort(
      (a, b) => ORDER[a.request.method] - ORDER[b.request.method] || a.index - b.index,
    );
    const results = new Map<number, FhirResponse>();
    const invalid: OperationOutcomeIssue[] = [];
    for (const entry of ordered) {
      try {
        results.set(entry.index, await executeEntry(ctx, entry, executor, tx, resolvedBundle as Bundle));
      } catch (err) {
        // Keep going on validation errors so the client sees every invalid entry at once; anything else aborts.
        if (err instanceof FhirError && err.status === 422)
          invalid.push(...prefixIssues(err.issues, entry.index));
        else throw withEntry(err, entry.index);
      }
    }
    if (invalid.length) throw unprocessable(invalid);
    return entries.map((e) => results.get(e.index) as FhirResponse);
  });
  return { resourceType: 'Bundle', type: 'transaction-response', entry: responses.map(responseEntry) };
}

async function batch(ctx: RequestContext, entries: ParsedEntry[], executor: Executor): Promise<Bundle> {
  const entry: BundleEntry[] = [];
  for (const e of entries) {
    try {
      entry.push(responseEntry(await executeEntry(ctx, e, executor, undefined)));
    } catch (err) {
      const error =
        err instanceof FhirError
          ? err
          : (unavailableError(err) ?? new FhirError(500, [issue('exception', 'Internal error')]));
      entry.push({ response: { status: String(error.status), outcome: error.toOperationOutcome() } });
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry };
}

function executeEntry(
  ctx: RequestContext,
  e: ParsedEntry,
  executor: Executor,
  tx?: Queryable,
  bundle?: Bundle,
) {
  if (e.request.kind === 'batch-or-transaction')
    throw badRequest('A Bundle entry cannot itself be a transaction', `Bundle.entry[${e.index}].request`);
  return executor.execute(ctx, e.request, tx, bundle);
}

/**
 * Decides the id of every POST and conditional PUT up front, so `urn:uuid:` references can be rewritten before
 * anything is written. A POST with ifNoneExist that matches maps to the existing resource and writes nothing.
 */
async function resolveIdentities(
  tx: Queryable,
  entries: ParsedEntry[],
  executor: Executor,
): Promise<Map<string, string>> {
  const mapping = new Map<string, string>();
  for (const e of entries) {
    const { request } = e;
    const type = request.resourceType as string;
    let target: string | undefined;
    if (request.kind === 'create') {
      const match = request.ifNoneExist
        ? await singleMatch(tx, executor, type, request.ifNoneExist, e.index)
        : undefined;
      if (match) {
        target = `${type}/${match.id}`;
        request.matchedId = match.id;
      } else {
        request.assignedId = randomUUID();
        target = `${type}/${request.assignedId}`;
      }
    } else if (request.kind === 'update') {
      target = `${type}/${request.id}`;
    } else if (request.kind === 'conditional-update') {
      const match = await singleMatch(
        tx,
        executor,
        type,
        new URLSearchParams(request.query).toString(),
        e.index,
      );
      request.id = match?.id ?? (request.body?.id as string | undefined) ?? randomUUID();
      request.kind = 'update';
      target = `${type}/${request.id}`;
    }
    if (target && e.fullUrl) mapping.set(e.fullUrl, target);
    // A conditional reference repeating a create's ifNoneExist means that entry, even when it is new.
    if (target && request.kind === 'create' && request.ifNoneExist)
      mapping.set(`${type}?${request.ifNoneExist}`, target);
  }
  return mapping;
}

async function resolveConditionalReferences(
  tx: Queryable,
  entries: ParsedEntry[],
  mapping: Map<string, string>,
  executor: Executor,
): Promise<void> {
  for (const e of entries) {
    if (!e.request.body) continue;
    for (const ref of collectReferences(e.request.body)) {
      if (mapping.has(ref) || !CONDITIONAL_REFERENCE.test(ref)) continue;
      const [type, criteria] = ref.split('?', 2);
      const match = await singleMatch(tx, executor, type, criteria, e.index);
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

function singleMatch(tx: Queryable, executor: Executor, type: string, criteria: string, index: number) {
  return executor.repository.conditionalMatch(
    tx,
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

function withEntry(err: unknown, index: number): unknown {
  if (!(err instanceof FhirError)) return err;
  return new FhirError(
    err.status,
    err.issues.map((i) => ({ ...i, diagnostics: `Entry ${index}: ${i.diagnostics}` })),
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
