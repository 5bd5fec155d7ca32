import type { EpisodeOfCare, Organization } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../../meso-document/document';
import { canonical } from '../../../domain/canonical';
import { referencedOrganisation } from '../datatypes/organisation';
import { nameDisplay } from '../datatypes/name';
import { itemIdentifier, keyRef, type Graph, type Planned } from '../graph';
import { KEY } from '../keys';
import { referencedId } from '../item-id';
import type { Section } from './section';

/**
 * The zorgtraject ⇄ meso-zorgtraject (nl-core-EpisodeOfCare). Problems are not repeated in `diagnosis`: the
 * CarePlan addresses them, and nl-core allows only one diagnosis. No `referralRequest`: the document holds no
 * aanmelding, and its escalations are requests made during the trajectory, not the one that started it.
 */

type Trajectory = MesoCarePlanDocument['trajectory'];

const PROFILE = canonical('StructureDefinition', 'meso-zorgtraject');
const TYPE_SYSTEM = canonical('CodeSystem', 'trajectory-type');
const NAME_EXT = 'http://nictiz.nl/fhir/StructureDefinition/ext-EpisodeOfCare.EpisodeOfCareName';
const TYPE_DISPLAY: Record<Trajectory['prestatie'], string> = {
  'zorgtraject-kwetsbare-patienten': 'Zorgtraject kwetsbare patiënten',
};

const STATUS = {
  gepland: 'planned',
  actief: 'active',
  onderbroken: 'onhold',
  afgerond: 'finished',
  geannuleerd: 'cancelled',
} as const satisfies Record<Trajectory['status'], EpisodeOfCare['status']>;
const FROM_STATUS = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k])) as Record<
  string,
  Trajectory['status']
>;

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  const t = doc.trajectory;
  const lead = doc.team.members.find((m) => m.id === t.regiebehandelaar);
  const resource: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare',
    meta: { profile: [PROFILE] },
    // The zib name of the episode: the prestatie's display, so a list of episodes reads well.
    extension: [{ url: NAME_EXT, valueString: TYPE_DISPLAY[t.prestatie] }],
    identifier: [itemIdentifier(doc.document.id, KEY.trajectory)],
    status: STATUS[t.status],
    type: [{ coding: [{ system: TYPE_SYSTEM, code: t.prestatie, display: TYPE_DISPLAY[t.prestatie] }] }],
    patient: keyRef(KEY.patient),
    managingOrganization: keyRef(KEY.organisation(t.managingOrganisation), t.managingOrganisation.name),
    period: { start: t.start, ...(t.end ? { end: t.end } : {}) },
    careManager: keyRef(
      KEY.memberRole(t.regiebehandelaar),
      lead ? nameDisplay(lead.professional.name) : undefined,
    ),
    team: [keyRef(KEY.careTeam)],
  };
  return [{ key: KEY.trajectory, resource }];
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const episode = graph.items<EpisodeOfCare>(KEY.trajectory)[0];
  if (!episode) return {};
  const trajectory: Trajectory = {
    start: episode.period?.start ?? '',
    ...(episode.period?.end ? { end: episode.period.end } : {}),
    status: FROM_STATUS[episode.status] ?? 'actief',
    prestatie: episode.type?.[0]?.coding?.find((c) => c.system === TYPE_SYSTEM)
      ?.code as Trajectory['prestatie'],
    managingOrganisation: referencedOrganisation(graph.resolve<Organization>(episode.managingOrganization)),
    regiebehandelaar: referencedId(graph, episode.careManager, KEY.memberRole('')) ?? '',
  };
  return { trajectory };
}

export const trajectorySection: Section = { name: 'trajectory', toFhir, fromFhir };
