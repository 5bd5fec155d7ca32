import { badRequest } from '../../kernel/outcome';

/**
 * `_count` (R4 search.html#count), for search and history alike: digits only, because Number() reads "", " " and
 * "\u2028" as 0. An empty value never gets here: both ignore empty parameters (R4 search.html#errors).
 */
export function parseCount(value: string): number {
  if (!/^\d{1,9}$/.test(value))
    throw badRequest(`_count must be a non-negative integer, got "${value}"`, '_count');
  return Number(value);
}

/** The page size: what the client asked for (or the default), never above the configured maximum. */
export function pageSize(
  asked: number | undefined,
  paging: { defaultCount: number; maxCount: number },
): number {
  return Math.min(asked ?? paging.defaultCount, paging.maxCount);
}
