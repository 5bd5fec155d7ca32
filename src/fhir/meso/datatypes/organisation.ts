import type { Organization } from '@medplum/fhirtypes';
import type { Organisation } from '../../../meso-document/document';
import { IdentifierSystem } from '../../../domain/identifier-systems';
import { addressFromFhir, addressToFhir } from './address';
import { stripUndefined } from './name';
import { phonesFromFhir, phoneToFhir } from './telecom';

export const NL_CORE = 'http://nictiz.nl/fhir/StructureDefinition/';
const PROFILE = `${NL_CORE}nl-core-HealthcareProvider-Organization`;

/** Zorgaanbieder ⇄ nl-core-HealthcareProvider-Organization: URA first, then AGB, as the registers identify it. */
export function organisationToFhir(org: Organisation): Organization {
  return {
    resourceType: 'Organization',
    meta: { profile: [PROFILE] },
    identifier: [
      { system: IdentifierSystem.ura, value: org.ura },
      ...(org.agb ? [{ system: IdentifierSystem.agb, value: org.agb }] : []),
    ],
    active: true,
    name: org.name,
    ...(org.phone ? { telecom: [phoneToFhir(org.phone)] } : {}),
    ...(org.address ? { address: [addressToFhir(org.address)] } : {}),
  };
}

export function organisationFromFhir(o: Organization): Organisation {
  const id = (system: string) => o.identifier?.find((i) => i.system === system)?.value;
  return stripUndefined({
    name: o.name ?? '',
    ura: id(IdentifierSystem.ura) ?? '',
    agb: id(IdentifierSystem.agb),
    phone: phonesFromFhir(o.telecom)[0],
    address: addressFromFhir(o.address?.[0]),
  });
}

/**
 * The organisation a reference resolves to: the one shared Organization of its URA (normalize.ts rule 2). A
 * reference may carry the mention's own name in `display` for readers ("Zorggroep X, locatie Y"); the
 * document reads back the Organization.
 */
export function referencedOrganisation(resolved: Organization | undefined): Organisation {
  return resolved ? organisationFromFhir(resolved) : { name: '', ura: '' };
}
