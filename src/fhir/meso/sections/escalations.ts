import type {
  CodeableConcept,
  Identifier,
  Organization,
  PractitionerRole,
  Reference,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import type { Escalation, MesoCarePlanDocument, Professional } from '../../../meso-document/document';
import { IdentifierSystem } from '../../../domain/identifier-systems';
import {
  REFERRAL_KIND_SYSTEM,
  REFERRAL_REQUEST_PROFILE,
  REFERRAL_TASK_PROFILE,
  REJECTION_REASON_SYSTEM,
} from '../../../domain/referral';
import { dateTimeToFhir } from '../datatypes/date-time';
import { referencedOrganisation } from '../datatypes/organisation';
import { nameDisplay, stripUndefined } from '../datatypes/name';
import { itemIdentifier, keyRef, localIdOf, type Graph, type Planned } from '../graph';
import { KEY } from '../keys';
import { mgzServiceFromFhir, mgzServiceToFhir } from './mgz-service';
import { referencedId } from '../item-id';
import type { Section } from './section';

/**
 * Each escalation (open referral) ⇄ a meso-referral-servicerequest (what is asked, of whom, why) plus its
 * meso-referral-task (where the request stands: requested, received, accepted, rejected with a reason,
 * completed), as in ELZ / Shared Care Planning. The Task carries the status; the ServiceRequest only says
 * whether the request is still open.
 */

const SNOMED = 'http://snomed.info/sct';

const KIND_DISPLAY: Record<Escalation['kind'], string> = {
  'escalatie-advies': 'Escalatie behandelnetwerk: advies',
  'escalatie-aanvullende-diagnostiek': 'Escalatie behandelnetwerk: aanvullende diagnostiek',
  'escalatie-medebehandeling': 'Escalatie behandelnetwerk: medebehandeling',
  'elv-aanvraag': 'Aanvraag eerstelijnsverblijf (ELV)',
};
const kindToFhir = (kind: Escalation['kind']): CodeableConcept => ({
  coding: [{ system: REFERRAL_KIND_SYSTEM, code: kind, display: KIND_DISPLAY[kind] }],
});

type RejectionReason = NonNullable<Escalation['rejectionReason']>;
const REJECTION_DISPLAY: Record<RejectionReason, string> = {
  'geen-bed-beschikbaar': 'Geen bed beschikbaar',
  'buiten-indicatiecriteria': 'Buiten indicatiecriteria',
  'onvoldoende-informatie': 'Onvoldoende informatie',
  'capaciteit-team': 'Onvoldoende capaciteit team',
  'client-weigert': 'Cliënt weigert',
  'andere-zorgvorm-passender': 'Andere zorgvorm passender',
  overig: 'Overig',
};

const TASK_STATUS = {
  aangevraagd: 'requested',
  ontvangen: 'received',
  geaccepteerd: 'accepted',
  afgewezen: 'rejected',
  afgerond: 'completed',
} as const satisfies Record<Escalation['status'], Task['status']>;
const FROM_TASK_STATUS = Object.fromEntries(Object.entries(TASK_STATUS).map(([k, v]) => [v, k])) as Record<
  string,
  Escalation['status']
>;
/** The request is open until it is rejected (revoked by the receiver's decision) or done. */
const SR_STATUS: Record<Escalation['status'], ServiceRequest['status']> = {
  aangevraagd: 'active',
  ontvangen: 'active',
  geaccepteerd: 'active',
  afgewezen: 'revoked',
  afgerond: 'completed',
};

/** The registers identify a person by UZI, else AGB, else BIG (the Task's Reference.identifier, as SCPTask). */
function personIdentifier(p: Professional): Identifier {
  const { uzi, agb, big } = p.identifiers;
  if (uzi) return { system: IdentifierSystem.uziPerson, value: uzi };
  if (agb) return { system: IdentifierSystem.agb, value: agb };
  return { system: IdentifierSystem.big, value: big };
}

function serviceRequest(
  doc: MesoCarePlanDocument,
  e: Escalation,
  requester: Reference<PractitionerRole>,
): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [REFERRAL_REQUEST_PROFILE] },
    identifier: [itemIdentifier(doc.document.id, KEY.escalationRequest(e.id))],
    status: SR_STATUS[e.status],
    intent: 'order',
    category: [
      { coding: [{ system: SNOMED, code: '3457005', display: 'verwijzen van patiënt' }], text: 'Verwijzing' },
    ],
    code: kindToFhir(e.kind),
    ...(e.requestedService ? { orderDetail: [mgzServiceToFhir(e.requestedService)] } : {}),
    subject: keyRef(KEY.patient),
    authoredOn: dateTimeToFhir(e.requestedAt),
    requester,
    performer: [keyRef(KEY.organisation(e.receiver), e.receiver.name)],
    reasonCode: [{ text: e.reason }],
    ...(e.problemIds?.length ? { reasonReference: e.problemIds.map((p) => keyRef(KEY.problem(p))) } : {}),
  };
}

function task(
  doc: MesoCarePlanDocument,
  e: Escalation,
  requester: Reference<PractitionerRole>,
  person?: Professional,
): Task {
  const reason = e.rejectionReason;
  return {
    resourceType: 'Task',
    meta: { profile: [REFERRAL_TASK_PROFILE] },
    identifier: [itemIdentifier(doc.document.id, KEY.escalationTask(e.id))],
    basedOn: [keyRef(KEY.carePlan)],
    status: TASK_STATUS[e.status],
    // The document has no explanation of a rejection: `text` restates the code, which also gives `overig`
    // the text meso-referral-task-2 asks for.
    ...(reason
      ? {
          statusReason: {
            coding: [{ system: REJECTION_REASON_SYSTEM, code: reason, display: REJECTION_DISPLAY[reason] }],
            text: REJECTION_DISPLAY[reason],
          },
        }
      : {}),
    intent: 'order',
    code: kindToFhir(e.kind),
    focus: keyRef(KEY.escalationRequest(e.id), KIND_DISPLAY[e.kind]),
    for: keyRef(KEY.patient),
    authoredOn: dateTimeToFhir(e.requestedAt),
    requester: { ...requester, ...(person ? { identifier: personIdentifier(person) } : {}) },
    owner: {
      ...keyRef(KEY.organisation(e.receiver), e.receiver.name),
      identifier: { system: IdentifierSystem.ura, value: e.receiver.ura },
    },
  };
}

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  return (doc.escalations ?? []).flatMap((e) => {
    const person = doc.team.members.find((m) => m.id === e.requester)?.professional;
    const requester = keyRef<PractitionerRole>(
      KEY.memberRole(e.requester),
      person ? nameDisplay(person.name) : undefined,
    );
    return [
      { key: KEY.escalationRequest(e.id), resource: serviceRequest(doc, e, requester), supportingInfo: true },
      { key: KEY.escalationTask(e.id), resource: task(doc, e, requester, person), supportingInfo: true },
    ];
  });
}

const localId = (graph: Graph, resource: ServiceRequest | Task, keyPrefix: string) =>
  localIdOf(graph, resource, keyPrefix) ?? '';

function escalationFromFhir(graph: Graph, sr: ServiceRequest, t: Task | undefined): Escalation {
  const reason = t?.statusReason?.coding?.find((c) => c.system === REJECTION_REASON_SYSTEM)?.code;
  const problemIds = (sr.reasonReference ?? []).map((r) => referencedId(graph, r, KEY.problem('')) ?? '');
  return stripUndefined({
    id: localId(graph, sr, KEY.escalationRequest('')),
    kind: sr.code?.coding?.find((c) => c.system === REFERRAL_KIND_SYSTEM)?.code as Escalation['kind'],
    requestedService: mgzServiceFromFhir(sr.orderDetail),
    requestedAt: sr.authoredOn ?? '',
    requester: referencedId(graph, sr.requester, KEY.memberRole('')) ?? '',
    receiver: referencedOrganisation(graph.resolve<Organization>(sr.performer?.[0])),
    reason: sr.reasonCode?.[0]?.text ?? '',
    problemIds: problemIds.length ? problemIds : undefined,
    status: (t && FROM_TASK_STATUS[t.status]) ?? 'aangevraagd',
    rejectionReason: reason as RejectionReason | undefined,
  });
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const tasks = new Map(
    graph.items<Task>(KEY.escalationTask('')).map((t) => [localId(graph, t, KEY.escalationTask('')), t]),
  );
  const escalations = graph
    .items<ServiceRequest>(KEY.escalationRequest(''))
    .map((sr) => escalationFromFhir(graph, sr, tasks.get(localId(graph, sr, KEY.escalationRequest('')))));
  return escalations.length ? { escalations } : {};
}

export const escalationsSection: Section = { name: 'escalations', toFhir, fromFhir };
