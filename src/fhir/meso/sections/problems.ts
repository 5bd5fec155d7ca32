import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const problemsSection: Section = {
  name: 'problems',
  toFhir: () => [],
  fromFhir: () => ({}),
};
