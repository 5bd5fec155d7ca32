import type { Patient, Resource } from '@medplum/fhirtypes';
import { withNarrative } from '../../../src/fhir/narrative/narrative';
import { validator } from '../validation/nl-core-examples';
import { fixture, fixtureFiles } from './xhtml-check';

/**
 * The write path validates a resource before it adds the generated narrative, so the narrative itself is
 * never validated there: it must conform by construction. Checked here for every demo resource.
 */
describe('generated narratives conform', () => {
  const errors = async (r: Resource) =>
    (await validator()).validate(r).filter((i) => i.severity === 'error' || i.severity === 'fatal');

  it.each(fixtureFiles())('%s: adding the narrative adds no error', async (file) => {
    const resource = fixture<Patient>(file); // any DomainResource; typed as one for `text`
    const described = withNarrative(resource);
    expect(described.text?.status).toBe('generated');
    expect(await errors(described)).toEqual(await errors(resource));
  });
});
