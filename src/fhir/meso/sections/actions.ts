import type { Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { Action, MesoCarePlanDocument } from '../../../meso-document/document';
import { codingFromFhir, codingToFhir, reverseLookup } from '../datatypes/coding';
import { itemIdentifier, keyRef, localIdOf, type Graph, type Planned } from '../graph';
import { referencedId } from '../item-id';
import { KEY } from '../keys';
import type { Section } from './section';

/**
 * Actions ⇄ nl-core-Procedure-request ServiceRequests, referenced from CarePlan.activity. nl-core binds `code`
 * required to the verrichtingen lists, so a text-only concept is not allowed: a coded action has
 * `code` (coding plus the description as text); an uncoded one has no `code` and its description in `note`.
 * The goals an action serves are R4's `resource-pertainsToGoal` extension (ServiceRequest has no goal link).
 * A free-text frequency makes the occurrence a Timing (bounds = the period, code.text = the frequency).
 */

const PROFILE = 'http://nictiz.nl/fhir/StructureDefinition/nl-core-Procedure-request';
const EXT_GOAL = 'http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal';

const STATUS: Record<Action['status'], ServiceRequest['status']> = {
  gepland: 'draft',
  lopend: 'active',
  afgerond: 'completed',
  geannuleerd: 'revoked',
};

const PREFIX = KEY.action('');

/** References to the ServiceRequests in CarePlan.activity order, named by their description. */
export function actionRefs(doc: MesoCarePlanDocument): Reference<ServiceRequest>[] {
  return (doc.actions ?? []).map((a) => keyRef<ServiceRequest>(KEY.action(a.id), a.description));
}

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  return (doc.actions ?? []).map((a) => {
    const key = KEY.action(a.id);
    const period = { start: a.start, ...(a.end ? { end: a.end } : {}) };
    const request: ServiceRequest = {
      resourceType: 'ServiceRequest',
      meta: { profile: [PROFILE] },
      ...(a.goalIds?.length
        ? { extension: a.goalIds.map((g) => ({ url: EXT_GOAL, valueReference: keyRef(KEY.goal(g)) })) }
        : {}),
      identifier: [itemIdentifier(doc.document.id, key)],
      status: STATUS[a.status],
      // An agreed step of the plan, not an order that authorises someone else to act.
      intent: 'plan',
      ...(a.code ? { code: { coding: [codingToFhir(a.code)], text: a.description } } : {}),
      subject: keyRef(KEY.patient),
      ...(a.frequency
        ? { occurrenceTiming: { repeat: { boundsPeriod: period }, code: { text: a.frequency } } }
        : { occurrencePeriod: period }),
      performer: [keyRef(KEY.memberRole(a.responsible))],
      ...(a.code ? {} : { note: [{ text: a.description }] }),
    };
    return { key, resource: request };
  });
}

function actionFromFhir(graph: Graph, r: ServiceRequest, id: string): Action | undefined {
  const period = r.occurrencePeriod ?? r.occurrenceTiming?.repeat?.boundsPeriod;
  const responsible = referencedId(graph, r.performer?.[0], KEY.memberRole(''));
  const status = reverseLookup(STATUS, r.status);
  const description = r.code?.text ?? r.note?.[0]?.text;
  if (!period?.start || !responsible || !status || !description) return undefined;
  const code = codingFromFhir(r.code?.coding?.[0]);
  const frequency = r.occurrenceTiming?.code?.text;
  const goalIds = (r.extension ?? [])
    .filter((e) => e.url === EXT_GOAL)
    .map((e) => referencedId(graph, e.valueReference, KEY.goal('')))
    .filter((g): g is string => g !== undefined);
  return {
    id,
    description,
    ...(code ? { code } : {}),
    responsible,
    start: period.start,
    ...(period.end ? { end: period.end } : {}),
    ...(frequency ? { frequency } : {}),
    status,
    ...(goalIds.length ? { goalIds } : {}),
  };
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const actions = graph.items<ServiceRequest>(PREFIX).flatMap((r) => {
    const id = localIdOf(graph, r, PREFIX);
    const action = id ? actionFromFhir(graph, r, id) : undefined;
    return action ? [action] : [];
  });
  return actions.length ? { actions } : {};
}

export const actionsSection: Section = { name: 'actions', toFhir, fromFhir };
