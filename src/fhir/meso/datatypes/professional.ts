import type { Organization, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import type { Professional, Specialty } from '../../../meso-document/document';
import { IdentifierSystem } from '../../../domain/identifier-systems';
import { itemIdentifier, keyRef, type Graph } from '../graph';
import { KEY } from '../keys';
import type { Person } from '../mentions';
import { nameDisplay, nameFromFhir, nameToFhir, stripUndefined } from './name';
import { NL_CORE, organisationFromFhir } from './organisation';
import { emailFromFhir, phonesFromFhir, telecomToFhir } from './telecom';

/**
 * Zorgverlener ⇄ nl-core-HealthProfessional: the person (name, UZI/BIG/AGB) is a shared Practitioner, what
 * the person does here (discipline, organisation, phone, e-mail) a PractitionerRole the document owns.
 */

const REGISTERS = [
  ['uzi', IdentifierSystem.uziPerson],
  ['big', IdentifierSystem.big],
  ['agb', IdentifierSystem.agb],
] as const;

export function practitionerToFhir(person: Person): Practitioner {
  return {
    resourceType: 'Practitioner',
    meta: { profile: [`${NL_CORE}nl-core-HealthProfessional-Practitioner`] },
    identifier: REGISTERS.flatMap(([field, system]) => {
      const value = person.identifiers[field];
      return value ? [{ system, value }] : [];
    }),
    active: true,
    name: nameToFhir(person.name),
  };
}

/** "I. (Ingrid) van der Veen, Specialist ouderengeneeskunde": how references name a professional's role. */
export const roleDisplay = (p: Professional) => `${nameDisplay(p.name)}, ${p.discipline.display}`;

export function practitionerRoleToFhir(documentId: string, key: string, p: Professional): PractitionerRole {
  const telecom = telecomToFhir(p.phone ? [p.phone] : [], p.email);
  return {
    resourceType: 'PractitionerRole',
    meta: { profile: [`${NL_CORE}nl-core-HealthProfessional-PractitionerRole`] },
    identifier: [itemIdentifier(documentId, key)],
    active: true,
    practitioner: keyRef(KEY.practitioner(p), nameDisplay(p.name)),
    ...(p.organisation
      ? { organization: keyRef(KEY.organisation(p.organisation), p.organisation.name) }
      : {}),
    specialty: [{ coding: [{ ...p.discipline }] }],
    ...(telecom.length ? { telecom } : {}),
  };
}

/** The professional rebuilt from a role, its Practitioner and its Organization. */
export function professionalFromFhir(graph: Graph, role: PractitionerRole): Professional {
  const person = graph.resolve<Practitioner>(role.practitioner);
  const org = graph.resolve<Organization>(role.organization);
  const id = (system: string) => person?.identifier?.find((i) => i.system === system)?.value;
  const discipline = role.specialty?.[0]?.coding?.[0];
  return stripUndefined({
    name: nameFromFhir(person?.name),
    identifiers: stripUndefined(
      Object.fromEntries(REGISTERS.map(([field, system]) => [field, id(system)])),
    ) as Professional['identifiers'],
    discipline: {
      system: discipline?.system as Specialty['system'],
      code: discipline?.code ?? '',
      display: discipline?.display ?? '',
    },
    organisation: org ? organisationFromFhir(org) : undefined,
    phone: phonesFromFhir(role.telecom)[0],
    email: emailFromFhir(role.telecom),
  });
}
