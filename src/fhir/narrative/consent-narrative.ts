import type { Consent, ConsentProvisionActor, Narrative } from '@medplum/fhirtypes';
import { extensionText, referenceText } from './datatypes';
import { CONSENT_STATUS, PROVISION_TYPE } from './labels';
import { codeLabel, conceptText, conceptsText, formatDate, formatPeriod, list, narrative } from './xhtml';
import { obj, objs, str } from './shape';

const NICTIZ = 'http://nictiz.nl/fhir/StructureDefinition';
const COMMENT = `${NICTIZ}/ext-Comment`;
const DISORDER = `${NICTIZ}/ext-AdvanceDirective.Disorder`;
const ADVANCE_DIRECTIVE = `${NICTIZ}/ext-TreatmentDirective2.AdvanceDirective`;
const REASON_FOR_ENDING = `${NICTIZ}/ext-TreatmentDirective2.ReasonForEnding`;
const SPECIFICATION_OTHER = `${NICTIZ}/ext-TreatmentDirective2.SpecificationOther`;

/** Heading by Consent.scope: the zib AdvanceDirective (wilsverklaring) or TreatmentDirective2 (behandelgrens). */
const HEADINGS: Readonly<Record<string, string>> = {
  adr: 'Wilsverklaring',
  treatment: 'Behandelgrens',
  'patient-privacy': 'Toestemming gegevensuitwisseling',
  research: 'Toestemming onderzoek',
};

function heading(consent: Consent): string {
  const scope = objs(obj(consent.scope)?.coding).find(
    (c) => typeof c.code === 'string' && Object.hasOwn(HEADINGS, c.code),
  )?.code;
  return scope ? (HEADINGS[scope] ?? 'Toestemming') : 'Toestemming';
}

function actorText(actor: ConsentProvisionActor): string | undefined {
  const who = referenceText(actor.reference);
  const role = conceptText(actor.role);
  return who && role ? `${role}: ${who}` : (who ?? role);
}

export function consentNarrative(consent: Consent): Narrative {
  const provision = obj(consent.provision);
  return narrative(heading(consent), [
    ['Betreft', conceptsText(provision?.code)],
    ['Besluit', codeLabel(PROVISION_TYPE, provision?.type)],
    // A modifier extension: it changes what the decision means, so it must not be left out.
    ['Voorwaarden', extensionText(consent.modifierExtension, SPECIFICATION_OTHER)],
    ['Status', codeLabel(CONSENT_STATUS, consent.status)],
    ['Cliënt', referenceText(consent.patient)],
    ['Datum', formatDate(consent.dateTime)],
    ['Geldig', formatPeriod(provision?.period)],
    ['Reden van beëindiging', extensionText(provision?.extension, REASON_FOR_ENDING)],
    ['Betrokkenen', list(objs(provision?.actor).map(actorText))],
    ['Aandoening', extensionText(consent.extension, DISORDER)],
    ['Wilsverklaring', extensionText(consent.extension, ADVANCE_DIRECTIVE)],
    ['Bron', referenceText(consent.sourceReference) ?? str(obj(consent.sourceAttachment)?.title)],
    ['Toelichting', extensionText(consent.extension, COMMENT)],
  ]);
}
