import type { Resource } from '@medplum/fhirtypes';
import { isObject, type ValidationContext } from './context';
import { parseReference } from '../../kernel/reference';

/**
 * resolve() for references: `#id` in the root resource's contained, then the Bundle given to validate() (by
 * fullUrl, `Type/id` or a fullUrl ending in `/Type/id`), then the caller's resolveReference.
 */
export function resolveReference(ref: string, ctx: ValidationContext): Resource | undefined {
  // The instance may be malformed here (the schema pass reports it): only well-shaped entries are looked at.
  if (ref.startsWith('#')) {
    const contained = listOf((ctx.rootResource as { contained?: unknown }).contained);
    return contained.find((r) => isObject(r) && r.id === ref.slice(1)) as Resource | undefined;
  }
  for (const entry of listOf(ctx.bundle?.entry)) {
    if (!isObject(entry)) continue;
    const r = entry.resource;
    if (!isObject(r)) continue;
    const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
    const id = typeof r.id === 'string' ? r.id : undefined;
    if (fullUrl === ref || (id && `${String(r.resourceType)}/${id}` === ref)) return r as unknown as Resource;
    if (fullUrl && id && ref.includes('/') && fullUrl.endsWith(`/${ref}`)) return r as unknown as Resource;
  }
  return ctx.resolveReference?.(ref);
}

const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The resource type a reference string names (`Patient/1`, `https://x/fhir/Patient/1`), if any. */
export function typeFromReference(ref: string): string | undefined {
  const parsed = parseReference(ref);
  return parsed.kind === 'relative' || parsed.kind === 'absolute' ? parsed.resourceType : undefined;
}

export function referenceString(value: unknown): string | undefined {
  return isObject(value) && typeof value.reference === 'string' ? value.reference : undefined;
}
