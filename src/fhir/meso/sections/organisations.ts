import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const organisationsSection: Section = {
  name: 'organisations',
  toFhir: () => [],
  fromFhir: () => ({}),
};
