import type {
  CareTeam,
  CareTeamParticipant,
  CodeableConcept,
  Coding,
  PractitionerRole,
  RelatedPerson,
} from '@medplum/fhirtypes';
import type { MesoCarePlanDocument, TeamMember, TeamRole } from '../../../meso-document/document';
import { canonical } from '../../../domain/canonical';
import { nameDisplay, stripUndefined } from '../datatypes/name';
import {
  practitionerRoleToFhir,
  practitionerToFhir,
  professionalFromFhir,
  roleDisplay,
} from '../datatypes/professional';
import { itemIdentifier, keyRef, localIdOf, type Graph, type Planned } from '../graph';
import { KEY } from '../keys';
import { personsByKey } from '../mentions';
import { clientDisplay } from './client';
import type { Section } from './section';

export const CARETEAM_PROFILE = canonical('StructureDefinition', 'meso-careteam');
/** The exact MESO team role (profiles/meso/CodeSystem-team-role), next to the coarser zib ZorgverlenerRol. */
export const TEAM_ROLE_SYSTEM = canonical('CodeSystem', 'team-role');

const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';
const ZIB_ROLE: Record<string, Coding> = {
  RESP: { system: PARTICIPATION, code: 'RESP', display: 'Responsible Party' },
  ATND: { system: PARTICIPATION, code: 'ATND', display: 'Attender' },
  CON: { system: PARTICIPATION, code: 'CON', display: 'Consultant' },
  PRF: { system: PARTICIPATION, code: 'PRF', display: 'Performer' },
  casemanager: { system: 'http://snomed.info/sct', code: '768832004', display: 'casemanager' },
  OTH: { system: NULL_FLAVOR, code: 'OTH', display: 'Other' },
};

/**
 * Team role → zib ZorgverlenerRol (meso-careteam `role:healthProfessionalRole`, required binding) and the
 * Dutch display of the MESO code. Only the regiebehandelaar is RESP (hoofdbehandelaar; meso-careteam-1 allows
 * one); treating professionals are ATND, consulted ones CON, those who carry out care PRF.
 */
const TEAM_ROLE: Record<TeamRole, [zib: keyof typeof ZIB_ROLE, display: string]> = {
  regiebehandelaar: ['RESP', 'Regiebehandelaar'],
  casemanager: ['casemanager', 'Casemanager'],
  coordinator: ['casemanager', 'Coördinator'],
  huisarts: ['ATND', 'Huisarts'],
  praktijkondersteuner: ['PRF', 'Praktijkondersteuner'],
  wijkverpleegkundige: ['PRF', 'Wijkverpleegkundige'],
  'specialist-ouderengeneeskunde': ['CON', 'Specialist ouderengeneeskunde'],
  'verpleegkundig-specialist': ['ATND', 'Verpleegkundig specialist'],
  'gz-psycholoog': ['CON', 'GZ-psycholoog'],
  fysiotherapeut: ['PRF', 'Fysiotherapeut'],
  ergotherapeut: ['PRF', 'Ergotherapeut'],
  welzijnswerker: ['PRF', 'Welzijnswerker'],
  apotheker: ['CON', 'Apotheker'],
  overig: ['OTH', 'Overig'],
};

/** Two concepts: the zib role (the healthProfessionalRole slice) and the exact MESO role (unsliced). */
function teamRoleToFhir(role: TeamRole): CodeableConcept[] {
  const [zib, display] = TEAM_ROLE[role];
  return [
    { coding: [ZIB_ROLE[zib]], text: display },
    { coding: [{ system: TEAM_ROLE_SYSTEM, code: role, display }] },
  ];
}

function teamRoleFromFhir(concepts: CodeableConcept[] | undefined): TeamRole {
  const code = concepts?.flatMap((c) => c.coding ?? []).find((c) => c.system === TEAM_ROLE_SYSTEM)?.code;
  return code && code in TEAM_ROLE ? (code as TeamRole) : 'overig';
}

function memberParticipant(m: TeamMember): CareTeamParticipant {
  return {
    role: teamRoleToFhir(m.role),
    member: keyRef(KEY.memberRole(m.id), roleDisplay(m.professional)),
  };
}

function careTeamToFhir(doc: MesoCarePlanDocument): CareTeam {
  const managing = doc.trajectory.managingOrganisation;
  return {
    resourceType: 'CareTeam',
    meta: { profile: [CARETEAM_PROFILE] },
    identifier: [itemIdentifier(doc.document.id, KEY.careTeam)],
    status: 'active',
    ...(doc.team.name ? { name: doc.team.name } : {}),
    subject: keyRef(KEY.patient, clientDisplay(doc)),
    participant: [
      ...doc.team.members.map(memberParticipant),
      // Naasten as the contactPerson slice; their role and relationship are on the RelatedPerson.
      ...(doc.relatives ?? []).map((r) => ({
        member: keyRef<RelatedPerson>(KEY.relative(r.id), nameDisplay(r.name)),
      })),
    ],
    managingOrganization: [keyRef(KEY.organisation(managing), managing.name)],
  };
}

/**
 * The team: a shared Practitioner per person (author and members; normalisation rule 3), a PractitionerRole
 * per member and one for the author (the Provenance's agent), and the meso-careteam CareTeam. The author's
 * role is listed in CarePlan.supportingInfo because only the Provenance, outside the plan, points at it.
 */
export const teamSection: Section = {
  name: 'team',
  toFhir: (doc) => {
    const id = doc.document.id;
    const practitioners: Planned[] = [...personsByKey(doc)].map(([key, person]) => ({
      key,
      resource: practitionerToFhir(person),
      shared: true,
    }));
    const author: Planned = {
      key: KEY.authorRole,
      resource: practitionerRoleToFhir(id, KEY.authorRole, doc.document.author),
      supportingInfo: true,
    };
    const members = doc.team.members.map((m) => ({
      key: KEY.memberRole(m.id),
      resource: practitionerRoleToFhir(id, KEY.memberRole(m.id), m.professional),
    }));
    return [...practitioners, author, ...members, { key: KEY.careTeam, resource: careTeamToFhir(doc) }];
  },
  fromFhir: (graph) => {
    const team = graph.items<CareTeam>(KEY.careTeam)[0];
    if (!team) return {};
    return { team: stripUndefined({ name: team.name, members: membersFromFhir(graph, team) }) };
  },
};

/**
 * The document's members: participants naming one of its member roles. Others that joined the team (the
 * referrer or behandelnetwerk an accepted referral adds, src/fhir/referral) are not the document's content.
 */
function membersFromFhir(graph: Graph, team: CareTeam): TeamMember[] {
  return (team.participant ?? []).flatMap((p) => {
    const role =
      p.member?.type === 'PractitionerRole' ? graph.resolve<PractitionerRole>(p.member) : undefined;
    const id = role && localIdOf(graph, role, KEY.memberRole(''));
    if (!role || id === undefined) return [];
    return [
      {
        id,
        professional: professionalFromFhir(graph, role),
        role: teamRoleFromFhir(p.role),
      },
    ];
  });
}
