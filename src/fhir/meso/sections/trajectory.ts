import type { Section } from './section';

/** Placeholder: mapped in a following commit. */
export const trajectorySection: Section = {
  name: 'trajectory',
  toFhir: () => [],
  fromFhir: () => ({}),
};
