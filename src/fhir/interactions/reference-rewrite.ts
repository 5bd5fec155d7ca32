/**
 * Replaces every `reference` string found in `mapping` (urn:uuid fullUrls, conditional references) with its
 * resolved literal reference, anywhere in the resource, including contained resources and extensions.
 */
export function rewriteReferences<T>(value: T, mapping: ReadonlyMap<string, string>): T {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, mapping)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      key === 'reference' && typeof child === 'string'
        ? (mapping.get(child) ?? child)
        : rewriteReferences(child, mapping);
  }
  return out as T;
}

/** Every reference string in a resource, for finding conditional references (`Patient?identifier=…`). */
export function collectReferences(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => collectReferences(v, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'reference' && typeof child === 'string') found.add(child);
      else collectReferences(child, found);
    }
  }
  return found;
}

/** Every reference string in `value` with the FHIRPath of its Reference (e.g. `Task.focus`, `Goal.addresses[0]`). */
export function referencesWithPaths(
  value: unknown,
  path: string,
  found: Array<{ reference: string; path: string }> = [],
): Array<{ reference: string; path: string }> {
  if (Array.isArray(value)) value.forEach((v, i) => referencesWithPaths(v, `${path}[${i}]`, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'reference' && typeof child === 'string') found.push({ reference: child, path });
      else referencesWithPaths(child, `${path}.${key}`, found);
    }
  }
  return found;
}
