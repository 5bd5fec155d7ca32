import type { Filter } from '../../store/search/filter-sql';
import type { SortKey } from '../../store/search/keyset';
import type { IncludeRequest } from '../../store/search/include-query';
import { lookupFor } from '../../store/lookups/lookup-kinds';
import { badRequest, FhirError, issue } from '../../kernel/outcome';
import { parseFilter, requireParam } from './filter-parser';
import { searchParam } from './registry';
import { parseCount } from './count';
import { hasLoneSurrogate } from '../../kernel/unicode';
import { FORMAT_PARAMS } from './result-params';

export type Summary = 'true' | 'false' | 'count' | 'text' | 'data';
export type TotalMode = 'none' | 'estimate' | 'accurate';

export interface IncludeSpec extends IncludeRequest {
  iterate: boolean;
}

/** A parsed search query: filters for the store, and the result controls. */
export interface SearchRequest {
  resourceType: string;
  filters: Filter[];
  sort: SortKey[];
  count?: number;
  includes: IncludeSpec[];
  summary?: Summary;
  total?: TotalMode;
  elements?: string[];
  cursor?: string;
  /** The pairs actually used, in order: what the self and paging links repeat. */
  used: Array<[string, string]>;
}

// R4 http.html#parameters: format and pretty-printing are the REST layer's business (links repeat them).
const ALWAYS_IGNORED = new Set<string>(FORMAT_PARAMS);
const SUMMARIES: readonly string[] = ['true', 'false', 'count', 'text', 'data'];
const TOTALS: readonly string[] = ['none', 'estimate', 'accurate'];

function parseSort(resourceType: string, value: string): SortKey[] {
  return value.split(',').map((item) => {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    const def = requireParam(resourceType, code, '_sort');
    const lookup = lookupFor(def.type);
    if (!def.column && !lookup) throw badRequest(`Cannot sort by '${code}'`, '_sort');
    return { param: code, descending, lookup: def.column ? undefined : lookup, column: def.column };
  });
}

function parseInclude(resourceType: string, key: string, value: string): IncludeSpec {
  const [base, modifier] = key.split(':');
  if (modifier && modifier !== 'iterate' && modifier !== 'recurse')
    throw badRequest(`Unknown modifier '${key}'`, key);
  const [sourceType, param, targetType, ...extra] = value.split(':');
  if (value === '*' || param === '*')
    throw new FhirError(400, [issue('not-supported', `${base}=* is not supported; name the parameter`, key)]);
  if (!sourceType || !param || extra.length)
    throw badRequest(`${base} needs Type:parameter[:TargetType]`, key);
  const reverse = base === '_revinclude';
  // Name the parameter, not `_include`: "Unknown search parameter '_include'" sends the client the wrong way.
  if (!searchParam(sourceType, param))
    throw badRequest(
      `Unknown search parameter '${param}' for ${sourceType} in ${base}=${value}; the CapabilityStatement lists ` +
        `the supported ${base} values`,
      key,
      'not-supported',
    );
  const def = requireParam(sourceType, param, key);
  if (def.type !== 'reference')
    throw badRequest(`'${sourceType}:${param}' is not a reference parameter`, key);
  const iterate = !!modifier;
  // Without :iterate an _include starts from the matches, so it must name the searched type.
  if (!reverse && !iterate && sourceType !== resourceType)
    throw badRequest(`_include=${value} does not start from ${resourceType}; use _include:iterate`, key);
  // A forward include through a parameter with one target type fetches only that type: saying so lets the store
  // plan the access rules of that type alone (planning all of them cost more than running the include).
  const only = !reverse && !targetType && def.targets.length === 1 ? def.targets[0] : undefined;
  return { sourceType, param, targetType: targetType ?? only, reverse, iterate };
}

function oneOf<T extends string>(value: string, allowed: readonly string[], name: string): T {
  if (!allowed.includes(value)) throw badRequest(`${name} must be one of ${allowed.join(', ')}`, name);
  return value as T;
}

/** Applies one pair to the request; throws FhirError 400 for anything it cannot honour. */
function apply(request: SearchRequest, key: string, value: string): boolean {
  const type = request.resourceType;
  const base = key.split(':')[0];
  switch (base) {
    case '_count':
      request.count = parseCount(value);
      return true;
    case '_sort':
      request.sort = parseSort(type, value);
      return true;
    case '_include':
    case '_revinclude':
      request.includes.push(parseInclude(type, key, value));
      return true;
    case '_summary':
      request.summary = oneOf<Summary>(value, SUMMARIES, '_summary');
      return true;
    case '_total':
      request.total = oneOf<TotalMode>(value, TOTALS, '_total');
      return true;
    case '_elements':
      request.elements = value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      return true;
    case '_cursor':
      request.cursor = value;
      return false;
    default:
      request.filters.push(parseFilter(type, key, value));
      return true;
  }
}

/**
 * Parses raw query pairs (repeated keys AND-ed, commas OR-ed). Strict: every problem becomes one issue of a
 * 400 OperationOutcome. Lenient (Prefer: handling=lenient): parameters that cannot be used are ignored and
 * left out of `used`, so the self link shows what was applied (R4 search.html#errors).
 */
export function parseSearchRequest(
  resourceType: string,
  params: ReadonlyArray<[string, string]>,
  lenient: boolean,
): SearchRequest {
  const request: SearchRequest = { resourceType, filters: [], sort: [], includes: [], used: [] };
  const errors: FhirError[] = [];
  for (const [key, value] of params) {
    if (value === '') continue;
    if (hasLoneSurrogate(key) || hasLoneSurrogate(value)) {
      // No UTF-8 form: PostgreSQL would refuse it later, as a server error.
      if (!lenient)
        errors.push(badRequest(`The parameter "${key}" contains an unpaired UTF-16 surrogate`, key));
      continue;
    }
    if (ALWAYS_IGNORED.has(key)) {
      // Not a search parameter, but the paging links keep it: page 2 of an XML search is XML too.
      request.used.push([key, value]);
      continue;
    }
    try {
      if (apply(request, key, value)) request.used.push([key, value]);
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      if (!lenient) errors.push(err);
    }
  }
  if (errors.length)
    throw new FhirError(
      400,
      errors.flatMap((e) => e.issues),
    );
  return request;
}
