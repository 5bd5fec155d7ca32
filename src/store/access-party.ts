import type { Identifier, Reference } from '@medplum/fhirtypes';
import type { Queryable } from './database';

/**
 * The access policy's look-ups of who a caller is (src/security/access-policy.ts partyOf), the only SQL it needs
 * besides the care relation table: a handful of rows per caller, cached by the policy.
 */

/** Ids of the live Organizations carrying the identifier (URA, AGB). */
export async function organizationsWithIdentifier(q: Queryable, identifier: Identifier): Promise<string[]> {
  const res = await q.query<{ id: string }>(
    `SELECT id FROM resource WHERE resource_type = 'Organization' AND NOT deleted AND content -> 'identifier' @> $1`,
    [JSON.stringify([identifier])],
  );
  return res.rows.map((r) => r.id);
}

/** Ids of the live PractitionerRoles whose `organization` matches one of the Reference patterns. */
export async function rolesOfOrganization(q: Queryable, patterns: readonly Reference[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const values = patterns.map((p) => JSON.stringify(p));
  const res = await q.query<{ id: string }>(
    `SELECT id FROM resource WHERE resource_type = 'PractitionerRole' AND NOT deleted
     AND (${values.map((_, i) => `content -> 'organization' @> $${i + 1}`).join(' OR ')})`,
    values,
  );
  return res.rows.map((r) => r.id);
}

/** Whether one of the (current) PractitionerRoles `roles` names Practitioner `practitionerId`. */
export async function rolesNamePractitioner(
  q: Queryable,
  roles: readonly string[],
  practitionerId: string,
): Promise<boolean> {
  // The reference index holds current roles only, and parsed the reference as everything else does.
  const res = await q.query(
    `SELECT 1 FROM search_reference WHERE resource_type = 'PractitionerRole' AND param = 'practitioner'
     AND target_type = 'Practitioner' AND target_id = $2 AND id = ANY($1::text[]) LIMIT 1`,
    [[...roles], practitionerId],
  );
  return res.rows.length > 0;
}
