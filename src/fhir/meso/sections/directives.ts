import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const directivesSection: Section = {
  name: 'directives',
  toFhir: () => [],
  fromFhir: () => ({}),
};
