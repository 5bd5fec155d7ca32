import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const goalsSection: Section = {
  name: 'goals',
  toFhir: () => [],
  fromFhir: () => ({}),
};
