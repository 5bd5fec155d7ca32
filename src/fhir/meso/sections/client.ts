import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const clientSection: Section = {
  name: 'client',
  toFhir: () => [],
  fromFhir: () => ({}),
};
