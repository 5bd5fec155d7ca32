import { isObject } from './context';

/**
 * The canonical strings in meta.profile. Anything else there (a string instead of a list, numbers, null) is the
 * schema pass's finding; the profile pass and the write path must not trip over it.
 */
export function declaredProfiles(resource: unknown): string[] {
  const meta = isObject(resource) ? resource.meta : undefined;
  const list = isObject(meta) ? meta.profile : undefined;
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
}
