import type { CareTeam } from '@medplum/fhirtypes';
import { careTeamNarrative } from '../../src/fhir/narrative/careteam-narrative';
import { typeFromReference } from '../../src/fhir/validation/references';
import { parseReference as indexedReference } from '../../src/store/lookups/reference';

/** The places that used to parse references with their own regular expressions now agree with the kernel. */
describe('users of the one reference parser', () => {
  it('the reference index keeps relative targets without version, and other references as written', () => {
    expect(indexedReference('CarePlan/cp-1/_history/3')).toEqual({
      ref: 'CarePlan/cp-1',
      targetType: 'CarePlan',
      targetId: 'cp-1',
    });
    expect(indexedReference('Patient?identifier=x|1')).toEqual({ ref: 'Patient?identifier=x|1' });
    expect(indexedReference('http://x/StructureDefinition/y|1.0')).toEqual({
      ref: 'http://x/StructureDefinition/y',
    });
    expect(indexedReference('#c1')).toBeUndefined();
  });

  it('validation reads the type of relative and absolute references only', () => {
    expect(typeFromReference('https://fhir.example.nl/fhir/Patient/p1/_history/2')).toBe('Patient');
    expect(typeFromReference('Patient/p1')).toBe('Patient');
    expect(typeFromReference('urn:uuid:0b9f5a2e-1b6c-4c52-9d6c-0f2c9e1d5a10')).toBeUndefined();
    expect(typeFromReference('Patient/p 1')).toBeUndefined();
  });

  it('the care-team narrative names a patient member reached by an absolute reference', () => {
    const team: CareTeam = {
      resourceType: 'CareTeam',
      participant: [
        { member: { reference: 'https://fhir.example.nl/fhir/Patient/p1', display: 'J. Jansen' } },
        { member: { reference: 'urn:uuid:0b9f5a2e-1b6c-4c52-9d6c-0f2c9e1d5a10', display: 'A. Visser' } },
      ],
    };
    const html = careTeamNarrative(team).div;
    expect(html).toContain('cliënt: J. Jansen');
    expect(html).not.toMatch(/: A\. Visser/);
  });
});
