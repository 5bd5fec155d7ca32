import type { Narrative, Practitioner } from '@medplum/fhirtypes';
import { identifiersText, nameText, phoneText } from './datatypes';
import { conceptsText, narrative } from './xhtml';
import { objs } from './shape';

export function practitionerNarrative(practitioner: Practitioner): Narrative {
  return narrative('Zorgverlener', [
    ['Naam', nameText(practitioner.name)],
    ['Identificatie', identifiersText(practitioner.identifier)],
    ['Kwalificatie', conceptsText(objs(practitioner.qualification).map((q) => q.code))],
    ['Telefoon', phoneText(practitioner.telecom)],
  ]);
}
