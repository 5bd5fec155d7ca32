import type { AccessRestriction } from '../../kernel/access-restriction';
import { fence, relatedPatientSql, relationParams } from '../access-relations';
import type { SqlParams } from '../lookups/lookup';

/**
 * Which rows carry a row's compartment and reference index: the current resource's (search, includes), or one
 * version's (history; a deletion carries those of the content it removed, see index-rows.ts retireIndexRows).
 */
export type AccessRows = 'current' | 'version';

const ROWS = {
  current: {
    compartment: 'resource_compartment',
    reference: 'search_reference',
    version: () => '',
    // The patient a reference row names (the reference index parses it; version rows keep only `ref`).
    patient: (rr: string) => ({ where: `${rr}.target_type = 'Patient'`, id: `${rr}.target_id` }),
  },
  version: {
    compartment: 'version_compartment',
    reference: 'version_reference',
    version: (row: string, alias: string) => ` AND ${row}.version_id = ${alias}.version_id`,
    patient: (rr: string) => ({ where: `${rr}.ref LIKE 'Patient/%'`, id: `substr(${rr}.ref, 9)` }),
  },
} as const;

/** The caller's patients as a predicate on a patient id expression; undefined when it has none. */
function patientPredicate(sql: SqlParams, access: AccessRestriction): ((id: string) => string) | undefined {
  if (!access.relation) return undefined;
  const params = relationParams(sql, access.relation);
  return (id) => relatedPatientSql(params, id);
}

/** The caller's own Subscriptions (table subscription, kept by their writes); undefined without a subscriber. */
function ownSubscriptionSql(sql: SqlParams, access: AccessRestriction, alias: string): string | undefined {
  if (access.subscriber === undefined) return undefined;
  return `EXISTS (SELECT 1 FROM subscription s WHERE s.id = ${alias}.id AND s.client_id = ${sql.add(access.subscriber)})`;
}

/**
 * The AccessRestriction as a predicate on resource row `alias` (see src/store/access-restriction.ts): an open
 * type, or in the Patient compartment of one of the caller's patients, or referencing an allowed target; never
 * a hidden type. The caller's patients are a semi-join on the care relation table, never a list from Node.
 * With `type` (the row's type, when the query fixes it) the rules of other types are left out, so PostgreSQL
 * plans a small predicate.
 */
export function accessSql(
  sql: SqlParams,
  access: AccessRestriction,
  alias: string,
  rows: AccessRows = 'current',
  type?: string,
): string {
  if (type !== undefined && access.hiddenTypes?.includes(type)) return 'false';
  if (type !== undefined && access.openTypes.includes(type)) return 'true';
  // Only where it is used: an unused parameter has no type PostgreSQL can infer.
  const own =
    type === undefined || type === 'Subscription' ? ownSubscriptionSql(sql, access, alias) : undefined;
  if (type === 'Subscription') return own ?? 'false';
  const source = ROWS[rows];
  const forType = <R extends { resourceType: string }>(rules: readonly R[]) =>
    type === undefined ? rules : rules.filter((r) => r.resourceType === type);
  const visible =
    type === undefined ? [`${alias}.resource_type = ANY(${sql.add([...access.openTypes])}::text[])`] : [];
  const patient = patientPredicate(sql, access);
  const offset = access.relation ? fence(access.relation) : '';
  if (patient) {
    visible.push(`EXISTS (SELECT 1 FROM ${source.compartment} rc WHERE rc.resource_type = ${alias}.resource_type
      AND rc.id = ${alias}.id${source.version('rc', alias)} AND ${patient('rc.patient_id')}${offset})`);
  }
  if (access.demographics && (type === undefined || type === 'Patient')) {
    const own = relatedPatientSql(relationParams(sql, access.demographics), `${alias}.id`);
    visible.push(`(${alias}.resource_type = 'Patient' AND ${own})`);
  }
  const referencing = (resourceType: string, params: readonly string[], match: string) => {
    const t = sql.add(resourceType);
    const sameType = type === undefined ? `${alias}.resource_type = ${t} AND ` : '';
    return `(${sameType}EXISTS (SELECT 1 FROM ${source.reference} rr
      WHERE rr.resource_type = ${t} AND rr.id = ${alias}.id${source.version('rr', alias)}
      AND rr.param = ANY(${sql.add([...params])}::text[]) AND ${match}${offset}))`;
  };
  for (const rule of forType(access.references)) {
    if (!rule.targets.length || !rule.params.length) continue;
    visible.push(
      referencing(rule.resourceType, rule.params, `rr.ref = ANY(${sql.add([...rule.targets])}::text[])`),
    );
  }
  for (const rule of patient ? forType(access.patientReferences ?? []) : []) {
    if (!rule.params.length) continue;
    const named = source.patient('rr');
    visible.push(referencing(rule.resourceType, rule.params, `${named.where} AND ${patient?.(named.id)}`));
  }
  if (own && type === undefined) visible.push(`(${alias}.resource_type = 'Subscription' AND ${own})`);
  if (visible.length === 0) return 'false';
  const hidden =
    type === undefined && access.hiddenTypes?.length
      ? `NOT (${alias}.resource_type = ANY(${sql.add([...access.hiddenTypes])}::text[])) AND `
      : '';
  return `(${hidden}(${visible.join(' OR ')}))`;
}
