import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const carePlanSection: Section = {
  name: 'care-plan',
  toFhir: () => [],
  fromFhir: () => ({}),
};
