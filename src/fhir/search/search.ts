import type { Bundle, BundleEntry, BundleLink, Resource, SearchParameter } from '@medplum/fhirtypes';
import type { AccessRestriction } from '../../kernel/access-restriction';
import type { Queryable } from '../../store/database';
import { countMatches, findPage, type MatchPage, type MatchQuery } from '../../store/search/match-query';
import { decodeCursor, encodeCursor, searchFingerprint, type Cursor } from './cursor';
import { subset } from './elements';
import { resolveIncludes } from './include';
import { link, searchUrl } from './links';
import { searchableParams } from './registry';
import { SUPPORTED_TYPES } from '../../kernel/resource-types';
import { parseSearchRequest, type SearchRequest } from './search-request';
import { pageSize } from './count';

export type SearchParams = ReadonlyArray<[string, string]>;

export interface SearchContext {
  /** e.g. http://localhost:8080/fhir */
  baseUrl: string;
  /** Prefer: handling=lenient — ignore parameters that cannot be used instead of answering 400. */
  lenient: boolean;
  access?: AccessRestriction;
  defaultCount: number;
  maxCount: number;
  /** Signs and checks paging cursors (see cursor.ts). */
  cursorKey: Uint8Array;
}

const fullUrl = (baseUrl: string, r: Resource) => `${baseUrl}/${r.resourceType}/${r.id}`;

/**
 * R4 search.html#total. Default: an accurate count on the first page (a COUNT over the same index joins, cheap
 * next to the page itself), none on following pages, where the client already has it. `estimate` is answered
 * with the accurate count.
 */
function wantsTotal(request: SearchRequest): boolean {
  if (request.summary === 'count') return true;
  if (request.total) return request.total !== 'none';
  return !request.cursor;
}

function pageLinks(
  request: SearchRequest,
  ctx: SearchContext,
  page: MatchPage,
  cursor: Cursor | undefined,
): BundleLink[] {
  const fingerprint = searchFingerprint(request.resourceType, request.used);
  const url = (c?: Cursor) =>
    searchUrl(
      ctx.baseUrl,
      request.resourceType,
      c ? [...request.used, ['_cursor', encodeCursor(ctx.cursorKey, c, fingerprint)]] : request.used,
    );
  const links = [link('self', url(cursor))];
  const first = page.rows[0]?.position;
  const last = page.rows[page.rows.length - 1]?.position;
  const hasNext = cursor?.direction === 'previous' ? !!last : page.more;
  const hasPrevious = cursor?.direction === 'previous' ? page.more : !!cursor && !!first;
  if (hasNext && last) links.push(link('next', url({ direction: 'next', position: last })));
  if (hasPrevious && first) links.push(link('previous', url({ direction: 'previous', position: first })));
  return links;
}

/** A searchset Bundle for `GET [base]/[type]?…`; throws FhirError 400 for parameters it cannot honour. */
export async function search(
  db: Queryable,
  resourceType: string,
  params: SearchParams,
  ctx: SearchContext,
): Promise<Bundle> {
  const request = parseSearchRequest(resourceType, params, ctx.lenient);
  const fingerprint = searchFingerprint(resourceType, request.used);
  const cursor = request.cursor
    ? decodeCursor(ctx.cursorKey, request.cursor, fingerprint, request.sort)
    : undefined;
  const query: MatchQuery = {
    resourceType,
    filters: request.filters,
    sort: request.sort,
    access: ctx.access,
    baseUrl: ctx.baseUrl,
  };
  const count = request.summary === 'count' ? 0 : pageSize(request.count, ctx);
  const page: MatchPage =
    count > 0
      ? await findPage(db, query, {
          count,
          after: cursor?.direction === 'next' ? cursor.position : undefined,
          before: cursor?.direction === 'previous' ? cursor.position : undefined,
        })
      : { rows: [], more: false };
  const matches = page.rows.map((r) => r.resource);
  const included = await resolveIncludes(db, request.includes, matches, ctx.access);
  const entry: BundleEntry[] = [
    ...matches.map((r) => ({
      fullUrl: fullUrl(ctx.baseUrl, r),
      resource: subset(r, request.summary, request.elements),
      search: { mode: 'match' as const },
    })),
    ...included.map((r) => ({
      fullUrl: fullUrl(ctx.baseUrl, r),
      resource: r,
      search: { mode: 'include' as const },
    })),
  ];
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  if (wantsTotal(request)) bundle.total = await countMatches(db, query);
  bundle.link = pageLinks(request, ctx, page, cursor);
  if (entry.length) bundle.entry = entry;
  return bundle;
}

/**
 * The current resources matching conditional criteria (`identifier=sys|val`), for conditional create, update,
 * delete and references. Strict parameters, no access filter; reads through the caller's transaction.
 */
export async function findMatches(
  db: Queryable,
  resourceType: string,
  params: SearchParams,
  limit: number,
): Promise<Resource[]> {
  const request = parseSearchRequest(resourceType, params, false);
  const page = await findPage(db, { resourceType, filters: request.filters, sort: [] }, { count: limit });
  return page.rows.map((r) => r.resource);
}

/** The SearchParameters a type supports, for the CapabilityStatement. */
export function supportedSearchParams(resourceType: string): SearchParameter[] {
  return searchableParams(resourceType).map((p) => p.definition);
}

const referenceParams = (resourceType: string) =>
  searchableParams(resourceType).filter((p) => p.type === 'reference');

/** The `_include` and `_revinclude` values a type supports (`Type:param`), for the CapabilityStatement. */
export function supportedIncludes(resourceType: string): { include: string[]; revinclude: string[] } {
  return {
    include: referenceParams(resourceType).map((p) => `${resourceType}:${p.code}`),
    revinclude: SUPPORTED_TYPES.flatMap((source) =>
      referenceParams(source)
        .filter((p) => p.targets.includes(resourceType))
        .map((p) => `${source}:${p.code}`),
    ),
  };
}
