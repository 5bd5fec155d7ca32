import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from '../../store/resource-store';
import { badRequest, preconditionFailed } from '../../kernel/outcome';
import { isValidId } from '../../kernel/resource-types';

// The preconditions of an update that need no database: the id in the URL, and If-Match against the version.

export function checkUpdateId(resourceType: string, id: string, resource: Resource): void {
  if (!isValidId(id)) throw badRequest(`"${id}" is not a valid resource id`, `${resourceType}.id`);
  if (resource.id !== undefined && resource.id !== id) {
    throw badRequest(
      `Resource id "${resource.id}" does not match the id "${id}" in the URL`,
      `${resourceType}.id`,
    );
  }
}

/** If-Match carries a weak ETag W/"n"; a mismatch or a missing resource is 412 (R4 http.html#concurrency). */
export function checkIfMatch(ifMatch: string | undefined, previous: StoredVersion | undefined): void {
  if (ifMatch === undefined) return;
  const wanted = /^(W\/)?"?([^"]*)"?$/.exec(ifMatch.trim())?.[2];
  if (!previous || previous.deleted || String(previous.versionId) !== wanted) {
    const actual = previous && !previous.deleted ? `W/"${previous.versionId}"` : 'no current version';
    throw preconditionFailed(`If-Match ${ifMatch} does not match the current version (${actual})`);
  }
}
