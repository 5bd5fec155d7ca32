import type { CodeableConcept, Condition, Extension, Goal as FhirGoal, Reference } from '@medplum/fhirtypes';
import { canonical } from '../../../domain/canonical';
import type { Goal, MesoCarePlanDocument } from '../../../meso-document/document';
import { cc, codingFromFhir, codingIn, codingToFhir, reverseLookup } from '../datatypes/coding';
import { itemIdentifier, keyRef, localIdOf, type Graph, type Planned } from '../graph';
import { referencedId } from '../item-id';
import { KEY } from '../keys';
import type { Section } from './section';

/**
 * Wishes and goals, now and later ⇄ nl-core-TreatmentObjective Goals. Horizon (nu/later) and kind (wens/doel)
 * are categories from two small project code systems. Two things nl-core cannot hold, each in a project
 * extension (profiles/meso): the intended result without a measure (R4 gol-1 requires target.measure with
 * target.detail, and the document has no measure), and the problems after the first (Goal.addresses max 1).
 */

const PROFILE = 'http://nictiz.nl/fhir/StructureDefinition/nl-core-TreatmentObjective';
const HORIZON_SYSTEM = canonical('CodeSystem', 'goal-horizon');
const KIND_SYSTEM = canonical('CodeSystem', 'goal-kind');
export const EXT_TARGET_RESULT = canonical('StructureDefinition', 'meso-ext-goal-target-result');
export const EXT_FURTHER_ADDRESSES = canonical('StructureDefinition', 'meso-ext-goal-further-addresses');
const ACHIEVEMENT_SYSTEM = 'http://terminology.hl7.org/CodeSystem/goal-achievement';

type Horizon = 'now' | 'later';
const HORIZON: Record<Horizon, [string, string]> = { now: ['nu', 'Nu'], later: ['later', 'Later'] };
const KIND: Record<Goal['kind'], string> = { wens: 'Wens', doel: 'Doel' };

/** Goal status ⇄ lifecycleStatus, plus achievementStatus where only that tells them apart. */
const STATUS: Record<Goal['status'], [FhirGoal['lifecycleStatus'], string?, string?]> = {
  voorgesteld: ['proposed'],
  actief: ['active'],
  bereikt: ['completed', 'achieved', 'Achieved'],
  'niet-bereikt': ['completed', 'not-achieved', 'Not Achieved'],
  vervallen: ['cancelled'],
};

const PREFIX = KEY.goal('');

function listed(doc: MesoCarePlanDocument): Array<{ horizon: Horizon; goal: Goal }> {
  return (['now', 'later'] as const).flatMap((horizon) =>
    (doc.goals?.[horizon] ?? []).map((goal) => ({ horizon, goal })),
  );
}

/** References to the Goals in CarePlan.goal order (now, then later), named by their description. */
export function goalRefs(doc: MesoCarePlanDocument): Reference<FhirGoal>[] {
  return listed(doc).map(({ goal }) => keyRef<FhirGoal>(KEY.goal(goal.id), goal.description));
}

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  return listed(doc).map(({ horizon, goal: g }) => {
    const key = KEY.goal(g.id);
    const [lifecycleStatus, achievement, achievementDisplay] = STATUS[g.status];
    const [first, ...further] = (g.problemIds ?? []).map((id) => keyRef<Condition>(KEY.problem(id)));
    const result: CodeableConcept = {
      ...(g.target.code ? { coding: [codingToFhir(g.target.code)] } : {}),
      text: g.target.description,
    };
    const goal: FhirGoal = {
      resourceType: 'Goal',
      meta: { profile: [PROFILE] },
      ...(further.length
        ? { extension: further.map((r) => ({ url: EXT_FURTHER_ADDRESSES, valueReference: r })) }
        : {}),
      identifier: [itemIdentifier(doc.document.id, key)],
      lifecycleStatus,
      ...(achievement ? { achievementStatus: cc(ACHIEVEMENT_SYSTEM, achievement, achievementDisplay) } : {}),
      category: [cc(HORIZON_SYSTEM, ...HORIZON[horizon]), cc(KIND_SYSTEM, g.kind, KIND[g.kind])],
      description: { text: g.description },
      subject: keyRef(KEY.patient),
      target: [
        {
          extension: [{ url: EXT_TARGET_RESULT, valueCodeableConcept: result }],
          ...(g.dueDate ? { dueDate: g.dueDate } : {}),
        },
      ],
      ...(first ? { addresses: [first] } : {}),
    };
    return { key, resource: goal };
  });
}

function goalFromFhir(graph: Graph, g: FhirGoal, id: string): Goal {
  const kind = codingIn(g.category, KIND_SYSTEM)?.code as Goal['kind'];
  const target = g.target?.[0];
  const result = target?.extension?.find((e) => e.url === EXT_TARGET_RESULT)?.valueCodeableConcept;
  const code = codingFromFhir(result?.coding?.[0]);
  const achievement = codingIn(g.achievementStatus, ACHIEVEMENT_SYSTEM)?.code;
  const status = (Object.keys(STATUS) as Array<Goal['status']>).find(
    (s) => STATUS[s][0] === g.lifecycleStatus && (STATUS[s][1] ?? achievement) === achievement,
  );
  const further = (g.extension ?? []).filter((e: Extension) => e.url === EXT_FURTHER_ADDRESSES);
  const problemIds = [...(g.addresses ?? []), ...further.map((e) => e.valueReference as Reference)]
    .map((r) => referencedId(graph, r, KEY.problem('')))
    .filter((p): p is string => p !== undefined);
  return {
    id,
    kind,
    description: g.description.text ?? '',
    target: { description: result?.text ?? '', ...(code ? { code } : {}) },
    ...(target?.dueDate ? { dueDate: target.dueDate } : {}),
    status: status ?? 'actief',
    ...(problemIds.length ? { problemIds } : {}),
  };
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const goals: Partial<Record<Horizon, Goal[]>> = {};
  for (const g of graph.items<FhirGoal>(PREFIX)) {
    const horizon = reverseLookup(
      { now: HORIZON.now[0], later: HORIZON.later[0] },
      codingIn(g.category, HORIZON_SYSTEM)?.code,
    );
    const id = localIdOf(graph, g, PREFIX);
    if (!horizon || !id) continue;
    (goals[horizon] ??= []).push(goalFromFhir(graph, g, id));
  }
  return Object.keys(goals).length ? { goals } : {};
}

export const goalsSection: Section = { name: 'goals', toFhir, fromFhir };
