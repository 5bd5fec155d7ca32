/** fixed[x]: exactly equal, no extra properties or array items. */
export function matchesFixed(actual: unknown, fixed: unknown): boolean {
  if (Array.isArray(fixed)) {
    return (
      Array.isArray(actual) &&
      actual.length === fixed.length &&
      fixed.every((f, i) => matchesFixed(actual[i], f))
    );
  }
  if (isObject(fixed)) {
    if (!isObject(actual)) return false;
    const keys = Object.keys(fixed);
    return keys.length === Object.keys(actual).length && keys.every((k) => matchesFixed(actual[k], fixed[k]));
  }
  return actual === fixed;
}

/**
 * pattern[x]: every property in the pattern is present with a matching value; each pattern array item must
 * match some instance array item. Extra properties are allowed.
 */
export function matchesPattern(actual: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(actual) && pattern.every((p) => actual.some((a) => matchesPattern(a, p)));
  }
  if (isObject(pattern)) {
    return isObject(actual) && Object.keys(pattern).every((k) => matchesPattern(actual[k], pattern[k]));
  }
  return actual === pattern;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
