import type { Narrative, PractitionerRole } from '@medplum/fhirtypes';
import { identifiersText, phoneText, referenceText } from './datatypes';
import { conceptsText, formatPeriod, narrative } from './xhtml';

/** A professional in a role at an organisation; the specialism lives here, not on Practitioner. */
export function practitionerRoleNarrative(role: PractitionerRole): Narrative {
  return narrative('Zorgverlener in functie', [
    ['Zorgverlener', referenceText(role.practitioner)],
    ['Specialisme', conceptsText(role.specialty)],
    ['Rol', conceptsText(role.code)],
    ['Organisatie', referenceText(role.organization)],
    ['Identificatie', identifiersText(role.identifier)],
    ['Periode', formatPeriod(role.period)],
    ['Telefoon', phoneText(role.telecom)],
  ]);
}
