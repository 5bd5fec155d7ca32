import fs from 'node:fs';
import type {
  CarePlan,
  CareTeam,
  Condition,
  EpisodeOfCare,
  Goal,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
} from '@medplum/fhirtypes';
import type { MesoCarePlanDocument, Organisation } from '../../../../src/meso-document/document';
import type { DocumentMapping } from '../../../../src/fhir/meso/import';
import { itemIdentifier, keyRef, type Graph, type Planned } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { nameToFhir, nameFromFhir } from '../../../../src/fhir/meso/datatypes/name';
import { organisationToFhir } from '../../../../src/fhir/meso/datatypes/organisation';
import { IdentifierSystem } from '../../../../src/domain/identifier-systems';
import { projectPath } from '../../../../src/project-root';

/**
 * A test-only mapping of a part of the document (organisations, client, professionals, member roles, team,
 * trajectory, problems, goals, care plan), shaped like examples/fixtures, so that the import machinery
 * (ids, shared matching, changes, endings, Provenance, locks) is tested apart from the sections that other
 * helpers write. It is NOT the document mapping: test/fhir/meso/import-sections.test.ts runs the same flows on
 * the real one.
 */
export const EXAMPLES = ['eenvoudig', 'escalatie-wilsverklaring', 'elv-episode'] as const;

export function example(name: (typeof EXAMPLES)[number]): MesoCarePlanDocument {
  return JSON.parse(
    fs.readFileSync(projectPath('examples', 'meso', `${name}.json`), 'utf8'),
  ) as MesoCarePlanDocument;
}

const GENDER = { M: 'male', F: 'female', UN: 'other', UNK: 'unknown' } as const;
const PROFILE = (name: string) => ({ profile: [`http://nictiz.nl/fhir/StructureDefinition/${name}`] });
const MESO = (name: string) => ({ profile: [`https://meso-zorg.nl/fhir/StructureDefinition/${name}`] });

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  const own = (key: string) => itemIdentifier(doc.document.id, key);
  const orgs = new Map<string, Organisation>();
  const addOrg = (o?: Organisation) => o && !orgs.has(o.ura) && orgs.set(o.ura, o);
  addOrg(doc.document.author.organisation);
  addOrg(doc.trajectory.managingOrganisation);
  doc.team.members.forEach((m) => addOrg(m.professional.organisation));
  const out: Planned[] = [...orgs.values()].map((o) => ({
    key: KEY.organisation(o),
    resource: organisationToFhir(o),
    shared: true,
  }));
  const patient: Patient = {
    resourceType: 'Patient',
    meta: PROFILE('nl-core-Patient'),
    identifier: [{ system: IdentifierSystem.bsn, value: doc.client.bsn }],
    name: nameToFhir(doc.client.name),
    gender: GENDER[doc.client.gender],
    birthDate: doc.client.birthDate,
  };
  out.push({ key: KEY.patient, resource: patient, shared: true });
  for (const m of doc.team.members) {
    const p = m.professional;
    const ids = p.identifiers;
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      meta: PROFILE('nl-core-HealthProfessional-Practitioner'),
      identifier: [
        ...(ids.uzi ? [{ system: IdentifierSystem.uziPerson, value: ids.uzi }] : []),
        ...(ids.big ? [{ system: IdentifierSystem.big, value: ids.big }] : []),
        ...(ids.agb ? [{ system: IdentifierSystem.agb, value: ids.agb }] : []),
      ],
      name: nameToFhir(p.name),
    };
    if (!out.some((x) => x.key === KEY.practitioner(p)))
      out.push({ key: KEY.practitioner(p), resource: practitioner, shared: true });
    const roleKey = KEY.memberRole(m.id);
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      meta: PROFILE('nl-core-HealthProfessional-PractitionerRole'),
      identifier: [own(roleKey)],
      active: true,
      practitioner: keyRef(KEY.practitioner(p)),
      ...(p.organisation ? { organization: keyRef(KEY.organisation(p.organisation)) } : {}),
      specialty: [{ coding: [{ ...p.discipline }] }],
    };
    out.push({ key: roleKey, resource: role });
  }
  const subject = keyRef<Patient>(KEY.patient);
  const managing = keyRef<Organization>(KEY.organisation(doc.trajectory.managingOrganisation));
  const team: CareTeam = {
    resourceType: 'CareTeam',
    meta: MESO('meso-careteam'),
    identifier: [own(KEY.careTeam)],
    status: 'active',
    name: doc.team.name,
    subject,
    participant: doc.team.members.map((m) => ({
      role: [{ text: m.role }],
      member: keyRef(KEY.memberRole(m.id)),
    })),
    managingOrganization: [managing],
  };
  out.push({ key: KEY.careTeam, resource: team });
  const episode: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare',
    meta: MESO('meso-zorgtraject'),
    identifier: [own(KEY.trajectory)],
    status: doc.trajectory.status === 'afgerond' ? 'finished' : 'active',
    type: [
      {
        coding: [
          {
            system: 'https://meso-zorg.nl/fhir/CodeSystem/trajectory-type',
            code: 'zorgtraject-kwetsbare-patienten',
            display: 'Zorgtraject kwetsbare patiënten',
          },
        ],
      },
    ],
    patient: subject,
    managingOrganization: managing,
    period: { start: doc.trajectory.start, ...(doc.trajectory.end ? { end: doc.trajectory.end } : {}) },
    careManager: keyRef(KEY.memberRole(doc.trajectory.regiebehandelaar)),
    team: [keyRef(KEY.careTeam)],
  };
  out.push({ key: KEY.trajectory, resource: episode });
  const problems = Object.values(doc.problems ?? {}).flat();
  for (const pr of problems) {
    const condition: Condition = {
      resourceType: 'Condition',
      meta: PROFILE('nl-core-Problem'),
      identifier: [own(KEY.problem(pr.id))],
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: { coding: [{ ...pr.code }] },
      subject,
    };
    out.push({ key: KEY.problem(pr.id), resource: condition });
  }
  const goals = [...(doc.goals?.now ?? []), ...(doc.goals?.later ?? [])];
  for (const g of goals) {
    const goal: Goal = {
      resourceType: 'Goal',
      meta: PROFILE('nl-core-TreatmentObjective'),
      identifier: [own(KEY.goal(g.id))],
      lifecycleStatus: g.status === 'bereikt' ? 'completed' : 'active',
      description: { text: g.description },
      subject,
    };
    out.push({ key: KEY.goal(g.id), resource: goal });
  }
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    meta: MESO('meso-careplan'),
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare',
        valueReference: keyRef(KEY.trajectory),
      },
    ],
    identifier: [own(KEY.carePlan)],
    status: 'active',
    intent: 'plan',
    category: [
      {
        coding: [
          {
            system: 'http://snomed.info/sct',
            code: '135411000146103',
            display: 'Multidisciplinary care regime',
          },
        ],
      },
    ],
    subject,
    period: { start: doc.trajectory.start },
    author: keyRef(KEY.memberRole(doc.trajectory.regiebehandelaar)),
    careTeam: [keyRef(KEY.careTeam)],
    addresses: problems.map((p) => keyRef(KEY.problem(p.id))),
    goal: goals.map((g) => keyRef(KEY.goal(g.id))),
  };
  out.push({ key: KEY.carePlan, resource: plan });
  return out;
}

/** What the test mapping can rebuild: the client's BSN and name, and the goal descriptions in order. */
function fromFhir(graph: Graph): MesoCarePlanDocument {
  const patient = graph.resolve<Patient>(graph.root.subject);
  const goals = graph.items<Goal>('Goal/').map((g) => g.description.text);
  return {
    client: { bsn: patient?.identifier?.[0]?.value, name: nameFromFhir(patient?.name) },
    goals: { now: goals.map((description) => ({ description })) },
  } as unknown as MesoCarePlanDocument;
}

export const MINI_MAPPING: DocumentMapping = { toFhir, fromFhir };
