import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const escalationsSection: Section = {
  name: 'escalations',
  toFhir: () => [],
  fromFhir: () => ({}),
};
