import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const headerSection: Section = {
  name: 'header',
  toFhir: () => [],
  fromFhir: () => ({}),
};
