import type { AccessRestriction } from '../../kernel/access-restriction';
import type { SqlParams } from '../lookups/lookup';

/**
 * Which rows carry a row's compartment and reference index: the current resource's (search, includes), or one
 * version's (history; a deletion carries those of the content it removed, see index-rows.ts retireIndexRows).
 */
export type AccessRows = 'current' | 'version';

const ROWS = {
  current: { compartment: 'resource_compartment', reference: 'search_reference', version: () => '' },
  version: {
    compartment: 'version_compartment',
    reference: 'version_reference',
    version: (row: string, alias: string) => ` AND ${row}.version_id = ${alias}.version_id`,
  },
} as const;

/**
 * The AccessRestriction as a predicate on resource row `alias` (see src/store/access-restriction.ts): an open
 * type, or in the Patient compartment of an allowed patient, or referencing an allowed target; never a hidden type.
 */
export function accessSql(
  sql: SqlParams,
  access: AccessRestriction,
  alias: string,
  rows: AccessRows = 'current',
): string {
  const source = ROWS[rows];
  const visible = [`${alias}.resource_type = ANY(${sql.add([...access.openTypes])}::text[])`];
  if (access.patientIds.length) {
    visible.push(`EXISTS (SELECT 1 FROM ${source.compartment} rc WHERE rc.resource_type = ${alias}.resource_type
      AND rc.id = ${alias}.id${source.version('rc', alias)} AND rc.patient_id = ANY(${sql.add([...access.patientIds])}::text[]))`);
  }
  for (const rule of access.references) {
    if (!rule.targets.length || !rule.params.length) continue;
    const type = sql.add(rule.resourceType);
    visible.push(`(${alias}.resource_type = ${type} AND EXISTS (SELECT 1 FROM ${source.reference} rr
      WHERE rr.resource_type = ${type} AND rr.id = ${alias}.id${source.version('rr', alias)}
      AND rr.param = ANY(${sql.add([...rule.params])}::text[]) AND rr.ref = ANY(${sql.add([...rule.targets])}::text[])))`);
  }
  const hidden = access.hiddenTypes?.length
    ? `NOT (${alias}.resource_type = ANY(${sql.add([...access.hiddenTypes])}::text[])) AND `
    : '';
  return `(${hidden}(${visible.join(' OR ')}))`;
}
