import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import { knownKeys } from '../../store/resource-presence';
import { keyOf, localTarget } from '../../kernel/reference';
import { issue, unprocessable } from '../../kernel/outcome';
import { referencesWithPaths } from '../interactions/reference-rewrite';

interface LocalReference {
  key: string;
  resourceType: string;
  id: string;
  versioned: boolean;
  reference: string;
  path: string;
}

/**
 * Referential integrity on write (as HAPI does by default): every literal reference to this server (`Type/id`,
 * or an absolute URL on `baseUrl`) must name a current resource, or one `pending` (written earlier or later in
 * the same transaction Bundle). Contained (`#x`), logical (identifier only), `urn:` and other servers'
 * references are not checked. One query for all references of the resource, on the write's transaction.
 *
 * Existence of resources the caller may not read: the 422 names only the target ids the caller itself sent,
 * and says only that no such resource exists; nothing of a target that does exist (content, version, owner)
 * is returned. That an id is accepted is what any server enforcing integrity must reveal, and ids are UUIDs.
 */
export async function checkReferentialIntegrity(
  q: Queryable,
  resource: Resource,
  baseUrl: string,
  pending: ReadonlySet<string> = new Set(),
): Promise<void> {
  const self = keyOf(resource);
  const bases = [baseUrl.replace(/\/+$/, '')];
  const refs = localReferences(resource, bases).filter((r) => r.key !== self && !pending.has(r.key));
  if (!refs.length) return;
  const unique = [...new Map(refs.map((r) => [r.key, r])).values()];
  const known = await knownKeys(q, unique);
  // A versioned reference (`…/_history/n`) may name a version of a since deleted resource: history is kept, and
  // the server's own Provenance of a deletion names the last version.
  const missing = refs.filter((r) => {
    const deleted = known.get(r.key);
    return deleted === undefined || (deleted && !r.versioned);
  });
  if (!missing.length) return;
  throw unprocessable(
    missing.map((r) =>
      issue(
        'not-found',
        `Reference "${r.reference}" at ${r.path} names ${r.key}, which does not exist on this server ` +
          '(or was deleted). Create it first, reference it by its urn:uuid fullUrl in the same transaction ' +
          'Bundle, or correct the reference.',
        r.path,
      ),
    ),
  );
}

/** Every `reference` of the resource that names a resource on this server, with its FHIRPath. */
export function localReferences(resource: Resource, bases: readonly string[]): LocalReference[] {
  return referencesWithPaths(resource, resource.resourceType).flatMap(({ reference, path }) => {
    const target = localTarget(reference, bases);
    if (!target) return [];
    const { resourceType, id, versionId } = target;
    return [{ resourceType, id, key: keyOf(target), versioned: versionId !== undefined, reference, path }];
  });
}
