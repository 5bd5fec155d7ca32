import type { Narrative, Observation, ObservationComponent } from '@medplum/fhirtypes';
import { booleanText, notesText, quantityText, referenceText } from './datatypes';
import { OBSERVATION_STATUS } from './labels';
import { codeLabel, conceptText, conceptsText, formatDate, formatPeriod, list, narrative } from './xhtml';
import { objs, str } from './shape';

/** The value[x] types nl-core observations use; Observation and its components share them. */
type Valued = Pick<
  Observation,
  | 'valueQuantity'
  | 'valueCodeableConcept'
  | 'valueString'
  | 'valueBoolean'
  | 'valueInteger'
  | 'valueDateTime'
  | 'valuePeriod'
>;

function valueText(valued: Valued): string | undefined {
  return (
    quantityText(valued.valueQuantity) ??
    conceptText(valued.valueCodeableConcept) ??
    str(valued.valueString) ??
    booleanText(valued.valueBoolean) ??
    (typeof valued.valueInteger === 'number' ? String(valued.valueInteger) : undefined) ??
    formatDate(valued.valueDateTime) ??
    formatPeriod(valued.valuePeriod)
  );
}

function componentText(component: ObservationComponent): string | undefined {
  const value = valueText(component);
  const code = conceptText(component.code);
  return code && value ? `${code}: ${value}` : (value ?? code);
}

export function observationNarrative(observation: Observation): Narrative {
  return narrative('Observatie', [
    ['Meting', conceptText(observation.code)],
    ['Waarde', valueText(observation)],
    ['Interpretatie', conceptsText(observation.interpretation)],
    ['Status', codeLabel(OBSERVATION_STATUS, observation.status)],
    ['Cliënt', referenceText(observation.subject)],
    ['Datum', formatDate(observation.effectiveDateTime) ?? formatPeriod(observation.effectivePeriod)],
    ['Onderdelen', list(objs(observation.component).map(componentText))],
    ['Toelichting', list(notesText(observation.note))],
  ]);
}
