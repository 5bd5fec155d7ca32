import type { Organization, Reference } from '@medplum/fhirtypes';
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
 * An organisation as one part of the document names it. The Organization is shared per URA and holds the
 * details the document gave first for that URA; a reference keeps its own part's name in `display` (an ELV
 * location "Zorggroep X, locatie Y" next to the team's "Zorggroep X"), so that name comes back unchanged.
 */
export function organisationFromReference(
  ref: Reference | undefined,
  resolved: Organization | undefined,
): Organisation | undefined {
  if (!resolved) return undefined;
  const org = organisationFromFhir(resolved);
  return ref?.display ? { ...org, name: ref.display } : org;
}
