/**
 * The query parameters that shape results rather than select them, in one place: the R4 result parameters this
 * service supports (search.html#resultParameters) and the formatting ones (http.html#parameters). Conditional
 * criteria refuse them, cursors ignore them in their fingerprint, and pseudonymisation leaves them alone; each
 * of those derives its own set from these lists.
 */
export const RESULT_PARAMS = [
  '_sort',
  '_count',
  '_include',
  '_revinclude',
  '_summary',
  '_total',
  '_elements',
] as const;
export const FORMAT_PARAMS = ['_format', '_pretty'] as const;
