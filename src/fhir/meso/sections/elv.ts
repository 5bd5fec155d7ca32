import type { Coding, Encounter, Organization } from '@medplum/fhirtypes';
import type { ElvEpisode, MesoCarePlanDocument } from '../../../meso-document/document';
import { NL_CORE, referencedOrganisation } from '../datatypes/organisation';
import { stripUndefined } from '../datatypes/name';
import { itemIdentifier, keyRef, localIdOf, type Graph, type Planned } from '../graph';
import { KEY } from '../keys';
import { mgzServiceFromFhir, mgzServiceToFhir } from './mgz-service';
import { referencedId } from '../item-id';
import type { Section } from './section';

/**
 * Each ELV episode (a stay in an eerstelijnsverblijf bed) ⇄ an nl-core-Encounter. Why an Encounter: the stay
 * is a period in which the client is admitted at a care provider, which is what zib Contactmoment / R4
 * Encounter record (class IMP "klinisch", period, serviceProvider, reason, discharge destination), and
 * `basedOn` links it to the elv-aanvraag that led to it. An EpisodeOfCare would claim a second care
 * responsibility next to the zorgtraject; the request itself is already the ServiceRequest (escalations).
 * `episodeOfCare` places the stay inside the zorgtraject.
 */

const PROFILE = `${NL_CORE}nl-core-Encounter`;
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SNOMED = 'http://snomed.info/sct';

const STATUS = {
  gepland: 'planned',
  actief: 'in-progress',
  afgerond: 'finished',
  geannuleerd: 'cancelled',
} as const satisfies Record<ElvEpisode['status'], Encounter['status']>;
const FROM_STATUS = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k])) as Record<
  string,
  ElvEpisode['status']
>;

type Destination = NonNullable<ElvEpisode['dischargeDestination']>;
/** zib BestemmingCodelijst (dischargeDisposition, bound extensibly by zib-Encounter). */
const DESTINATION: Record<Destination, Coding> = {
  thuis: { system: SNOMED, code: '264362003', display: 'thuis' },
  verpleeghuis: { system: SNOMED, code: '42665001', display: 'verpleeghuis' },
  ziekenhuis: { system: SNOMED, code: '22232009', display: 'ziekenhuis' },
  // The zib's one code for "Overleden" (its display says "in ziekenhuis"; the zib means any death in care).
  overleden: { system: SNOMED, code: '183676005', display: 'overleden in ziekenhuis' },
  overig: { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'OTH', display: 'Other' },
};

function encounter(doc: MesoCarePlanDocument, e: ElvEpisode): Encounter {
  return {
    resourceType: 'Encounter',
    meta: { profile: [PROFILE] },
    identifier: [itemIdentifier(doc.document.id, KEY.elvEpisode(e.id))],
    status: STATUS[e.status],
    class: { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' },
    serviceType: mgzServiceToFhir(e.service),
    subject: keyRef(KEY.patient),
    episodeOfCare: [keyRef(KEY.trajectory)],
    ...(e.referralId ? { basedOn: [keyRef(KEY.escalationRequest(e.referralId))] } : {}),
    period: { start: e.start, ...(e.end ? { end: e.end } : {}) },
    ...(e.reason ? { reasonCode: [{ text: e.reason }] } : {}),
    ...(e.dischargeDestination
      ? { hospitalization: { dischargeDisposition: { coding: [DESTINATION[e.dischargeDestination]] } } }
      : {}),
    serviceProvider: keyRef(KEY.organisation(e.location), e.location.name),
  };
}

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  return (doc.elvEpisodes ?? []).map((e) => ({
    key: KEY.elvEpisode(e.id),
    resource: encounter(doc, e),
    supportingInfo: true,
  }));
}

const destinationOf = (c: Coding | undefined) =>
  (Object.keys(DESTINATION) as Destination[]).find(
    (d) => DESTINATION[d].system === c?.system && DESTINATION[d].code === c?.code,
  );

function episodeFromFhir(graph: Graph, enc: Encounter): ElvEpisode {
  return stripUndefined({
    id: localIdOf(graph, enc, KEY.elvEpisode('')) ?? '',
    service: mgzServiceFromFhir<ElvEpisode['service']>(
      enc.serviceType && [enc.serviceType],
    ) as ElvEpisode['service'],
    location: referencedOrganisation(graph.resolve<Organization>(enc.serviceProvider)),
    start: enc.period?.start ?? '',
    end: enc.period?.end,
    status: FROM_STATUS[enc.status] ?? 'actief',
    reason: enc.reasonCode?.[0]?.text,
    referralId: referencedId(graph, enc.basedOn?.[0], KEY.escalationRequest('')),
    dischargeDestination: destinationOf(enc.hospitalization?.dischargeDisposition?.coding?.[0]),
  });
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const elvEpisodes = graph.items<Encounter>(KEY.elvEpisode('')).map((enc) => episodeFromFhir(graph, enc));
  return elvEpisodes.length ? { elvEpisodes } : {};
}

export const elvSection: Section = { name: 'elv', toFhir, fromFhir };
