import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const relativesSection: Section = {
  name: 'relatives',
  toFhir: () => [],
  fromFhir: () => ({}),
};
