import type { Bundle, BundleEntry, BundleLink, Resource, SearchParameter } from '@medplum/fhirtypes';
import type { AccessRestriction } from '../../kernel/access-restriction';
import type { Queryable } from '../../store/database';
import {
  countMatches,
  countMatchesUpTo,
  estimateMatches,
  findPage,
  type MatchPage,
  type MatchQuery,
} from '../../store/search/match-query';
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

// Up to this many matches the first page carries the total by default: counting them costs about what the page
// costs. Beyond it a count walks every match (80,000 episodes for a regional platform), so only `_total=accurate`
// asks for that, and `_total=estimate` gets the planner's estimate.
export const CHEAP_TOTAL = 100;

/**
 * R4 search.html#total: `_summary=count` and `_total=accurate` count every match; `_total=none` and, by default,
 * later pages (where the client has it already) give none. Otherwise (the default on a first page, and
 * `_total=estimate`) the total is exact when the page query found at most CHEAP_TOTAL matches (it walks that
 * far, see cheapScan); beyond that the default leaves it out and `estimate` asks the planner.
 */
async function total(
  db: Queryable,
  request: SearchRequest,
  query: MatchQuery,
  page: MatchPage,
  scan: number | undefined,
): Promise<number | undefined> {
  if (request.summary === 'count' || request.total === 'accurate') return countMatches(db, query);
  if (request.total === 'none' || (!request.total && request.cursor)) return undefined;
  const cheap =
    scan !== undefined
      ? page.scanned < scan
        ? page.scanned
        : undefined
      : await countMatchesUpTo(db, query, CHEAP_TOTAL);
  if (cheap !== undefined || request.total !== 'estimate') return cheap;
  return estimateMatches(db, query);
}

/** How far the first page's query walks, so that it also counts a small result (no second query for the total). */
function cheapScan(request: SearchRequest, count: number): number | undefined {
  if (count === 0 || request.cursor || request.summary === 'count') return undefined;
  if (request.total && request.total !== 'estimate') return undefined;
  return Math.max(count, CHEAP_TOTAL) + 1;
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
  const scan = cheapScan(request, count);
  const page: MatchPage =
    count > 0
      ? await findPage(db, query, {
          count,
          scan,
          after: cursor?.direction === 'next' ? cursor.position : undefined,
          before: cursor?.direction === 'previous' ? cursor.position : undefined,
        })
      : { rows: [], more: false, scanned: 0 };
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
  const matched = await total(db, request, query, page, scan);
  if (matched !== undefined) bundle.total = matched;
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
