import type { Resource } from '@medplum/fhirtypes';
import { isObject, type ValidationContext } from './context';
import { parseReference } from '../../kernel/reference';

/**
 * resolve() for references: `#id` in the root resource's contained, then the Bundle given to validate() (by
 * fullUrl, `Type/id` or a fullUrl ending in `/Type/id`), then the caller's resolveReference.
 */
export function resolveReference(ref: string, ctx: ValidationContext): Resource | undefined {
  if (ref.startsWith('#')) {
    const contained = (ctx.rootResource as { contained?: Resource[] }).contained ?? [];
    return contained.find((r) => r.id === ref.slice(1));
  }
  for (const entry of ctx.bundle?.entry ?? []) {
    const r = entry.resource;
    if (!r) continue;
    if (entry.fullUrl === ref || (r.id && `${r.resourceType}/${r.id}` === ref)) return r;
    if (entry.fullUrl && r.id && ref.includes('/') && entry.fullUrl.endsWith(`/${ref}`)) return r;
  }
  return ctx.resolveReference?.(ref);
}

/** The resource type a reference string names (`Patient/1`, `https://x/fhir/Patient/1`), if any. */
export function typeFromReference(ref: string): string | undefined {
  const parsed = parseReference(ref);
  return parsed.kind === 'relative' || parsed.kind === 'absolute' ? parsed.resourceType : undefined;
}

export function referenceString(value: unknown): string | undefined {
  return isObject(value) && typeof value.reference === 'string' ? value.reference : undefined;
}
