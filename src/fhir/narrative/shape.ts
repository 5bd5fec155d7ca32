/**
 * The narrative runs after validation, but it is also the last code between a request and the store, so it
 * must not throw whatever JSON it gets: every value is read through these guards, which turn a value of the
 * wrong JSON kind into "absent" instead of a TypeError.
 */

/** The value when it is a non-empty-or-empty string, else undefined. */
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The value when it is a JSON object (not null, not an array). */
export function obj<T extends object>(value: T | undefined): T | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/** The objects in a list (a list element of the wrong kind is skipped); [] for anything else. */
export function objs<T extends object>(value: readonly T[] | undefined): T[] {
  return Array.isArray(value) ? (value as unknown[]).filter((v): v is T => obj(v as T) !== undefined) : [];
}

/** The strings in a list; [] for anything else. */
export function strs(value: readonly unknown[] | undefined): string[] {
  return Array.isArray(value) ? (value as unknown[]).filter((v): v is string => typeof v === 'string') : [];
}
