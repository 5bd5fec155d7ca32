import type { Narrative, RelatedPerson } from '@medplum/fhirtypes';
import { addressText, nameText, phoneText, referenceText } from './datatypes';
import { conceptsText, formatPeriod, narrative } from './xhtml';

/** A contact person, typically the mantelzorger; the relationship codes say which. */
export function relatedPersonNarrative(person: RelatedPerson): Narrative {
  return narrative('Contactpersoon', [
    ['Naam', nameText(person.name)],
    ['Relatie', conceptsText(person.relationship)],
    ['Cliënt', referenceText(person.patient)],
    ['Periode', formatPeriod(person.period)],
    ['Telefoon', phoneText(person.telecom)],
    ['Adres', addressText(person.address)],
  ]);
}
