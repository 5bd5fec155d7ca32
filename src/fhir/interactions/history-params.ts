import { dateRange } from '../../store/lookups/date-range';
import { badRequest } from '../../kernel/outcome';

// The instants PostgreSQL's timestamptz and ISO 8601 (four-digit years) both hold.
const FIRST = Date.parse('0001-01-01T00:00:00Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * `_since` and `_at` of a history interaction (R4 http.html#history): a FHIR date or dateTime, as the UTC instant
 * it starts at. Date.parse accepts far more ("-0", "2025") than the database does, so the check is the search's
 * own date parser; anything else is a 400 naming the parameter.
 */
export function historyInstant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const range = dateRange(value);
  if (!range || Number.isNaN(range.lo) || range.lo < FIRST || range.lo > LAST)
    throw badRequest(
      `${name} must be an instant between 0001 and 9999, e.g. 2025-01-31T12:00:00Z, got "${value}"`,
      name,
    );
  return new Date(range.lo).toISOString();
}

/** R4 search.html#total, as for search: a count on the first page unless `_total=none`; none on later pages. */
export function wantsHistoryTotal(total: string | undefined, cursor: string | undefined): boolean {
  if (total === undefined) return cursor === undefined;
  if (!['none', 'estimate', 'accurate'].includes(total))
    throw badRequest(`_total must be none, estimate or accurate, got "${total}"`, '_total');
  return total !== 'none';
}
