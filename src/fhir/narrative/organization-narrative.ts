import type { Narrative, Organization } from '@medplum/fhirtypes';
import { addressText, identifiersText, phoneText } from './datatypes';
import { conceptsText, narrative } from './xhtml';

export function organizationNarrative(organization: Organization): Narrative {
  return narrative('Zorgaanbieder', [
    ['Naam', organization.name],
    ['Identificatie', identifiersText(organization.identifier)],
    ['Soort', conceptsText(organization.type)],
    ['Adres', addressText(organization.address)],
    ['Telefoon', phoneText(organization.telecom)],
  ]);
}
