import { collectReferences, rewriteReferences } from '../../../src/fhir/interactions/reference-rewrite';

describe('reference rewriting', () => {
  const careTeam = {
    resourceType: 'CareTeam',
    subject: { reference: 'urn:uuid:1' },
    participant: [
      { member: { reference: 'Practitioner?identifier=http://fhir.nl/fhir/NamingSystem/agb-z|01234567' } },
    ],
    contained: [{ resourceType: 'Organization', partOf: { reference: 'urn:uuid:1' } }],
    extension: [{ url: 'x', valueString: 'reference' }],
  };

  it('finds every reference string, nested and contained', () => {
    expect([...collectReferences(careTeam)].sort()).toEqual([
      'Practitioner?identifier=http://fhir.nl/fhir/NamingSystem/agb-z|01234567',
      'urn:uuid:1',
    ]);
  });

  it('replaces mapped references everywhere and leaves the rest', () => {
    const out = rewriteReferences(careTeam, new Map([['urn:uuid:1', 'Patient/p1']]));
    expect(out.subject.reference).toBe('Patient/p1');
    expect(out.contained[0].partOf.reference).toBe('Patient/p1');
    expect(out.participant[0].member.reference).toMatch(/^Practitioner\?/);
    expect(out.extension[0].valueString).toBe('reference');
    expect(careTeam.subject.reference).toBe('urn:uuid:1');
  });
});
