import type { AccessRestriction, ReferenceRule } from '../../kernel/access-restriction';
import { fence, relatedPatientSql, relationParams, type RelationParams } from '../access-relations';
import type { Queryable } from '../database';
import { indexKey, SqlParams } from '../lookups/lookup';

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
  const keys = access.relation;
  if (!keys) return undefined;
  // Added on first use: a party-only type may need no patient at all, and an unused parameter has no type.
  let params: RelationParams | undefined;
  return (id) => relatedPatientSql((params ??= relationParams(sql, keys)), id);
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
  const partyOnlyTypes = access.partyOnlyTypes ?? [];
  if (patient && !(type !== undefined && partyOnlyTypes.includes(type))) {
    const notPartyOnly =
      type === undefined && partyOnlyTypes.length
        ? `NOT (${alias}.resource_type = ANY(${sql.add([...partyOnlyTypes])}::text[])) AND `
        : '';
    visible.push(`${notPartyOnly}EXISTS (SELECT 1 FROM ${source.compartment} rc WHERE rc.resource_type = ${alias}.resource_type
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
    if (!names(rule)) continue;
    visible.push(referencing(rule.resourceType, rule.params, namedSql(sql, rule, 'rr')));
  }
  const viaPatient = forType(access.patientReferences ?? []).filter(
    (r) => !partyOnlyTypes.includes(r.resourceType),
  );
  for (const rule of patient ? viaPatient : []) {
    if (!rule.params.length) continue;
    const named = source.patient('rr');
    visible.push(referencing(rule.resourceType, rule.params, `${named.where} AND ${patient?.(named.id)}`));
  }
  for (const rule of forType(access.referencedBy ?? [])) {
    const sameType = type === undefined ? `${alias}.resource_type = ${sql.add(rule.resourceType)} AND ` : '';
    const by = referencedBySql(sql, access, rule, alias);
    if (by) visible.push(`(${sameType}${by})`);
  }
  if (own && type === undefined) visible.push(`(${alias}.resource_type = 'Subscription' AND ${own})`);
  if (visible.length === 0) return 'false';
  const hidden =
    type === undefined && access.hiddenTypes?.length
      ? `NOT (${alias}.resource_type = ANY(${sql.add([...access.hiddenTypes])}::text[])) AND `
      : '';
  return `(${hidden}(${visible.join(' OR ')}))`;
}

const names = (rule: ReferenceRule) =>
  rule.params.length > 0 && (rule.targets.length > 0 || (rule.identifiers?.length ?? 0) > 0);

/** Reference row `rr` (current or version) names one of the rule's targets, or one of its identifiers (URA, AGB). */
function namedSql(sql: SqlParams, rule: ReferenceRule, rr: string): string {
  const byRef = `${rr}.ref = ANY(${sql.add([...rule.targets])}::text[])`;
  const ids = rule.identifiers ?? [];
  if (ids.length === 0) return byRef;
  const systems = sql.add(ids.map((i) => indexKey(i.system)));
  const values = sql.add(ids.map((i) => indexKey(i.value)));
  return `(${byRef} OR (${rr}.ident_value, ${rr}.ident_system) IN
    (SELECT * FROM unnest(${values}::text[], ${systems}::text[])))`;
}

/**
 * `rule.from` resources that match a `references` rule name row `alias` at `rule.param` (the ServiceRequest a
 * Task of the caller is about): an index probe on the target, then one on each such resource's own rows. The
 * naming resource is judged as it is now, also for a version of the named one. Undefined: no rule can match.
 */
function referencedBySql(
  sql: SqlParams,
  access: AccessRestriction,
  rule: NonNullable<AccessRestriction['referencedBy']>[number],
  alias: string,
): string | undefined {
  const from = sql.add(rule.from);
  const naming = access.references
    .filter((r) => r.resourceType === rule.from && names(r))
    .map(
      (r) => `EXISTS (SELECT 1 FROM search_reference rn WHERE rn.resource_type = ${from} AND rn.id = fr.id
        AND rn.param = ANY(${sql.add([...r.params])}::text[]) AND ${namedSql(sql, r, 'rn')})`,
    );
  if (naming.length === 0) return undefined;
  const offset = access.relation ? fence(access.relation) : '';
  return `EXISTS (SELECT 1 FROM search_reference fr WHERE fr.resource_type = ${from}
    AND fr.param = ${sql.add(rule.param)} AND fr.target_id = ${alias}.id AND fr.target_type = ${sql.add(rule.resourceType)}
    AND (${naming.join(' OR ')})${offset})`;
}

/** Whether `resourceType/id` is visible through a `referencedBy` rule (the in-memory check asks the store). */
export async function isReferencedBy(
  q: Queryable,
  access: AccessRestriction,
  resourceType: string,
  id: string,
): Promise<boolean> {
  const sql = new SqlParams();
  const idParam = sql.add(id);
  const rules = (access.referencedBy ?? []).filter((r) => r.resourceType === resourceType);
  const checks = rules.flatMap((rule) => referencedBySql(sql, access, rule, 'x') ?? []);
  if (checks.length === 0) return false;
  const res = await q.query<{ ok: boolean }>(
    `SELECT (${checks.join(' OR ')}) AS ok FROM (SELECT ${idParam}::text AS id) x`,
    sql.values,
  );
  return res.rows[0]?.ok === true;
}
