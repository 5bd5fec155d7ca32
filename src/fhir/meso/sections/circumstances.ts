import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const circumstancesSection: Section = {
  name: 'circumstances',
  toFhir: () => [],
  fromFhir: () => ({}),
};
