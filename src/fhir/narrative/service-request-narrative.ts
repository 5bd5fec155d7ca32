import type { Narrative, ServiceRequest } from '@medplum/fhirtypes';
import { notesText, referenceText, referencesText } from './datatypes';
import { REQUEST_STATUS } from './labels';
import { codeLabel, conceptText, conceptsText, formatDate, list, narrative } from './xhtml';
import { objs } from './shape';

/** A referral (aanmelding, escalation or ELV request), or any other requested intervention. */
export function serviceRequestNarrative(request: ServiceRequest): Narrative {
  const reasons = [...objs(request.reasonCode).map(conceptText), ...referencesText(request.reasonReference)];
  return narrative('Verwijzing', [
    ['Soort', conceptText(request.code)],
    ['Categorie', conceptsText(request.category)],
    ['Details', conceptsText(request.orderDetail)],
    ['Status', codeLabel(REQUEST_STATUS, request.status)],
    ['Cliënt', referenceText(request.subject)],
    ['Datum', formatDate(request.authoredOn)],
    ['Verwijzer', referenceText(request.requester)],
    ['Uitvoerder', list(referencesText(request.performer))],
    ['Reden', list(reasons)],
    ['Toelichting', list(notesText(request.note))],
  ]);
}
