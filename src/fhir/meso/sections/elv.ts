import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const elvSection: Section = {
  name: 'elv',
  toFhir: () => [],
  fromFhir: () => ({}),
};
