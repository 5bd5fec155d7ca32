import type { Narrative, Patient } from '@medplum/fhirtypes';
import { addressText, callName, identifiersText, nameText, phoneText, referencesText } from './datatypes';
import { GENDER } from './labels';
import { codeLabel, formatDate, list, narrative } from './xhtml';

function deceasedText(patient: Patient): string | undefined {
  if (patient.deceasedDateTime) return `overleden op ${formatDate(patient.deceasedDateTime)}`;
  return patient.deceasedBoolean ? 'overleden' : undefined;
}

export function patientNarrative(patient: Patient): Narrative {
  return narrative('Cliënt', [
    ['Naam', nameText(patient.name)],
    ['Roepnaam', callName(patient.name)],
    ['Identificatie', identifiersText(patient.identifier)],
    ['Geboortedatum', formatDate(patient.birthDate)],
    ['Geslacht', codeLabel(GENDER, patient.gender)],
    ['Overlijden', deceasedText(patient)],
    ['Adres', addressText(patient.address)],
    ['Telefoon', phoneText(patient.telecom)],
    ['Huisarts', list(referencesText(patient.generalPractitioner))],
  ]);
}
