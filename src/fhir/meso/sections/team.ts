import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const teamSection: Section = {
  name: 'team',
  toFhir: () => [],
  fromFhir: () => ({}),
};
