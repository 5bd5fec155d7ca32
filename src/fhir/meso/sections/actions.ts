import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const actionsSection: Section = {
  name: 'actions',
  toFhir: () => [],
  fromFhir: () => ({}),
};
