import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from './database';
import { indexKey } from './lookups/lookup';

// The class of the two-key advisory locks that serialise imports of one document (see lockDocumentImport).
const DOCUMENT_IMPORT_LOCK = 75132027;

/**
 * Serialises imports of one document until the transaction ends: two posts of the same new document must not
 * both see "nothing stored" and create two graphs. Keyed by a hash of the id (a collision only serialises two
 * unrelated documents, which is harmless).
 */
export async function lockDocumentImport(tx: Queryable, documentKey: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DOCUMENT_IMPORT_LOCK, documentKey]);
}

/**
 * The most recently written current resource of `resourceType` with a Reference at search parameter `param`
 * whose identifier is system|value (as `param:identifier=system|value` finds it), from the search index.
 */
export async function latestWithReferenceIdentifier(
  q: Queryable,
  resourceType: string,
  param: string,
  identifier: { system: string; value: string },
): Promise<Resource | undefined> {
  const res = await q.query<{ content: Resource }>(
    `SELECT r.content FROM resource r
     WHERE r.resource_type = $1 AND NOT r.deleted AND EXISTS (
       SELECT 1 FROM search_reference t
       WHERE t.resource_type = $1 AND t.id = r.id AND t.param = $2
         AND t.ident_system = $3 AND t.ident_value = $4)
     ORDER BY r.last_updated DESC, r.id LIMIT 1`,
    [resourceType, param, indexKey(identifier.system), indexKey(identifier.value)],
  );
  return res.rows[0]?.content;
}
