import type { AccessRestriction } from '../access-restriction';
import type { SqlParams } from '../lookups/lookup';

/**
 * The AccessRestriction as a predicate on resource row `alias` (see src/store/access-restriction.ts): an open
 * type, or in the Patient compartment of an allowed patient, or referencing an allowed target; never a hidden type.
 */
export function accessSql(sql: SqlParams, access: AccessRestriction, alias: string): string {
  const visible = [`${alias}.resource_type = ANY(${sql.add([...access.openTypes])}::text[])`];
  if (access.patientIds.length) {
    visible.push(`EXISTS (SELECT 1 FROM resource_compartment rc WHERE rc.resource_type = ${alias}.resource_type
      AND rc.id = ${alias}.id AND rc.patient_id = ANY(${sql.add([...access.patientIds])}::text[]))`);
  }
  for (const rule of access.references) {
    if (!rule.targets.length || !rule.params.length) continue;
    const type = sql.add(rule.resourceType);
    visible.push(`(${alias}.resource_type = ${type} AND EXISTS (SELECT 1 FROM search_reference rr
      WHERE rr.resource_type = ${type} AND rr.id = ${alias}.id AND rr.param = ANY(${sql.add([...rule.params])}::text[])
      AND rr.ref = ANY(${sql.add([...rule.targets])}::text[])))`);
  }
  const hidden = access.hiddenTypes?.length
    ? `NOT (${alias}.resource_type = ANY(${sql.add([...access.hiddenTypes])}::text[])) AND `
    : '';
  return `(${hidden}(${visible.join(' OR ')}))`;
}
