import { organisationToFhir } from '../datatypes/organisation';
import { KEY } from '../keys';
import { organisationsByUra } from '../mentions';
import type { Section } from './section';

/**
 * Zorgaanbieders: one shared nl-core-HealthcareProvider-Organization per URA, whatever part of the document
 * names it (mentions.ts decides what it says; normalisation rule 2). The other sections only point at it
 * (KEY.organisation) and read it back through those references, so nothing top-level comes back from here.
 */
export const organisationsSection: Section = {
  name: 'organisations',
  toFhir: (doc) =>
    [...organisationsByUra(doc).values()].map((org) => ({
      key: KEY.organisation(org),
      resource: organisationToFhir(org),
      shared: true,
    })),
  fromFhir: () => ({}),
};
