import { createHash } from 'node:crypto';
import type { Bundle, BundleEntry, Parameters, Resource } from '@medplum/fhirtypes';
import type { Executor, OperationHandler } from '../interactions/execute';
import type { FhirRequest } from '../interactions/fhir-request';
import type { RequestContext } from '../../kernel/request-context';
import { badRequest, FhirError } from '../../kernel/outcome';
import { isSupportedType, SUPPORTED_TYPES } from '../../kernel/resource-types';
import { findCompartmentPage, findReferenced } from '../../store/search/compartment-query';
import { compartmentParams } from '../search/compartment';
import { pageSize, parseCount } from '../search/count';
import { openCursor, sealCursor } from '../search/cursor';
import { link, searchUrl } from '../search/links';
import { FORMAT_PARAMS } from '../search/result-params';
import { historyInstant } from '../interactions/history-params';
import { keyOf } from '../../kernel/reference';

// Not in any Patient compartment, but what a GP needs to act on the plan: who is responsible, and where. One level
// from the compartment, plus the practitioner and organisation of each role found (a role alone names nobody).
const REFERENCED_TYPES = ['Practitioner', 'PractitionerRole', 'Organization'];
const COMPARTMENT_TYPES = SUPPORTED_TYPES.filter((t) => t === 'Patient' || compartmentParams(t).length > 0);
const KNOWN = new Set(['_since', '_type', '_count', '_cursor', 'start', 'end', ...FORMAT_PARAMS]);

interface EverythingParams {
  since?: string;
  types?: string[];
  count?: number;
  cursor?: string;
  /** The parameters as the links repeat them (all but _cursor). */
  used: Array<[string, string]>;
}

/**
 * Patient/{id}/$everything (R4 patient-operation-everything): a searchset of the Patient and its compartment
 * (search.mode match) with the practitioners and organisations they reference (include), one level. The caller
 * sees exactly what a read of the Patient and searches in its compartment would show: the same access
 * restriction, in the same SQL. Paged on (type, id) with signed cursors.
 */
export function everythingOperation(): OperationHandler {
  return {
    name: 'everything',
    levels: ['instance'],
    resourceTypes: ['Patient'],
    definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
    interaction: 'r',
    async execute(ctx, request, executor) {
      const params = readParams(request);
      const id = request.id as string;
      // As a read: 404 for an unknown patient, 403 without a care relation, 410 when deleted.
      await executor.repository.read(ctx, 'Patient', id);
      return { status: 200, body: await everything(ctx, executor, id, params, request) };
    },
  };
}

async function everything(
  ctx: RequestContext,
  executor: Executor,
  patientId: string,
  params: EverythingParams,
  request: FhirRequest,
): Promise<Bundle> {
  const key = executor.deps.paging.cursorKey;
  const fingerprint = fingerprintOf(patientId, params);
  const access = await executor.restriction(ctx);
  const after = params.cursor ? decodeCursor(key, params.cursor, fingerprint) : undefined;
  const count = pageSize(params.count, executor.deps.paging);
  const page = await findCompartmentPage(executor.repository.queryable, {
    patientId,
    types: readableTypes(ctx, executor, COMPARTMENT_TYPES, params.types),
    since: params.since,
    access,
    count,
    after,
  });
  const targets = readableTypes(ctx, executor, REFERENCED_TYPES, params.types);
  const options = { since: params.since, access };
  const referenced = await findReferenced(
    executor.repository.queryable,
    keys(page.resources),
    targets,
    options,
  );
  // A care team names roles; a role is only useful with its person and organisation, so those come along.
  const roles = referenced.filter((r) => r.resourceType === 'PractitionerRole');
  const ofRoles = await findReferenced(executor.repository.queryable, keys(roles), targets, options);
  const seen = new Set(referenced.map(keyOf));
  referenced.push(...ofRoles.filter((r) => !seen.has(keyOf(r))));
  const path = `Patient/${patientId}/$everything`;
  const url = (cursor?: string) =>
    searchUrl(ctx.baseUrl, path, cursor ? [...params.used, ['_cursor', cursor]] : params.used);
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  // A first page that holds everything knows the total; `_count=0` shows nothing, so it knows none.
  if (!after && !page.next && count > 0) bundle.total = page.resources.length;
  bundle.link = [link('self', url(params.cursor))];
  if (page.next) bundle.link.push(link('next', url(sealCursor(key, { e: fingerprint, v: page.next }))));
  const entry = [...page.resources.map(entryOf(ctx, 'match')), ...referenced.map(entryOf(ctx, 'include'))];
  if (entry.length) bundle.entry = entry;
  const found = [...page.resources, ...referenced];
  const touched = [`Patient/${patientId}`, ...found.map(keyOf)];
  const query = `${path}?${new URLSearchParams(request.query)}`;
  await executor.auditRead(ctx, 'operation', [...new Set(touched)], query, found);
  return bundle;
}

const keys = (resources: readonly Resource[]) =>
  resources.map((r) => ({ resourceType: r.resourceType, id: r.id as string }));

const entryOf =
  (ctx: RequestContext, mode: 'match' | 'include') =>
  (resource: Resource): BundleEntry => ({
    fullUrl: `${ctx.baseUrl}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode },
  });

/**
 * The types to return: `candidates` narrowed by `_type`, and those the caller's scopes allow. A type asked for by
 * `_type` that the scopes do not allow is a 403, as its search would be; unasked ones are left out silently.
 */
function readableTypes(
  ctx: RequestContext,
  executor: Executor,
  candidates: readonly string[],
  asked: readonly string[] | undefined,
): string[] {
  if (asked) {
    const chosen = candidates.filter((t) => asked.includes(t));
    chosen.forEach((t) => executor.scope(ctx, t, 'r'));
    return chosen;
  }
  return candidates.filter((t) => {
    try {
      executor.scope(ctx, t, 'r');
      return true;
    } catch (err) {
      if (err instanceof FhirError && err.status === 403) return false;
      throw err;
    }
  });
}

function readParams(request: FhirRequest): EverythingParams {
  const pairs = [...request.query, ...bodyPairs(request.body)].filter(([, v]) => v !== '');
  const params: EverythingParams = { used: [] };
  for (const [key, value] of pairs) {
    if (!KNOWN.has(key)) {
      if (request.lenient) continue;
      throw badRequest(
        `$everything does not support the parameter "${key}"; use _since, _type, _count (and the next link)`,
        key,
      );
    }
    if (key === 'start' || key === 'end')
      throw badRequest(
        `$everything does not support "${key}" (care dates); use _since for changes or _type to narrow`,
        key,
        'not-supported',
      );
    if (key === '_since') params.since = historyInstant('_since', value);
    if (key === '_type') params.types = [...(params.types ?? []), ...parseTypes(value)];
    if (key === '_count') params.count = parseCount(value);
    if (key === '_cursor') params.cursor = value;
    // _format stays in the links (as in search); the cursor's fingerprint holds only what chooses the rows.
    if (key !== '_cursor') params.used.push([key, value]);
  }
  return params;
}

function parseTypes(value: string): string[] {
  return value.split(',').map((type) => {
    const trimmed = type.trim();
    if (!isSupportedType(trimmed))
      throw badRequest(
        `_type "${trimmed}" is not a resource type this server serves; give resource types such as CarePlan,Goal`,
        '_type',
      );
    return trimmed;
  });
}

/** POST: the operation's parameters in a Parameters body (values as their text). */
function bodyPairs(body: Resource | undefined): Array<[string, string]> {
  if (body === undefined) return [];
  if (body.resourceType !== 'Parameters')
    throw badRequest('POST $everything takes a Parameters resource (or no body)', 'resourceType');
  const raw = (body as Parameters).parameter ?? [];
  if (!Array.isArray(raw)) throw badRequest('Parameters.parameter must be an array', 'Parameters.parameter');
  return raw.map((p, i): [string, string] => {
    const value =
      p?.valueInstant ??
      p?.valueDateTime ??
      p?.valueCode ??
      p?.valueString ??
      p?.valueInteger ??
      p?.valueDate;
    if (typeof p?.name !== 'string' || value === undefined)
      throw badRequest(
        'Each parameter needs a name and a value (valueInstant, valueCode, valueString or valueInteger)',
        `Parameters.parameter[${i}]`,
      );
    return [p.name, String(value)];
  });
}

/** Ties a cursor to the patient, `_type` and `_since` it was made for. */
const fingerprintOf = (patientId: string, params: EverythingParams) =>
  createHash('sha256')
    .update(JSON.stringify([patientId, params.types ?? null, params.since ?? null]))
    .digest('base64url')
    .slice(0, 12);

function decodeCursor(key: Uint8Array, text: string, fingerprint: string): [string, string] {
  const json = openCursor(key, text) as { e?: unknown; v?: unknown } | null;
  const v = json?.v;
  if (
    json?.e !== fingerprint ||
    !Array.isArray(v) ||
    v.length !== 2 ||
    !v.every((x) => typeof x === 'string')
  )
    throw badRequest(
      'The _cursor belongs to a different $everything; restart from the first page (without _cursor)',
      '_cursor',
    );
  return [v[0] as string, v[1] as string];
}
