import type { Consent } from '@medplum/fhirtypes';
import { ORGANIZATION_KIND_SYSTEM, sharingDecision } from '../../../src/fhir/access/patient-objection';
import { URA_SYSTEM } from '../../../src/security/access-policy';

const gp = {
  kind: 'gp' as const,
  party: { references: ['Organization/gp'], identifiers: [{ system: URA_SYSTEM, value: '90000011' }] },
};
const vvt = { kind: 'vvt' as const, party: { references: ['Organization/vvt'], identifiers: [] } };

function objection(provision: Consent['provision'], status: Consent['status'] = 'active'): Consent {
  return {
    resourceType: 'Consent',
    status,
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: 'Patient/p1' },
    provision,
  };
}
const kind = (code: string) => ({
  role: { coding: [{ system: ORGANIZATION_KIND_SYSTEM, code }] },
  reference: { display: code },
});

describe('sharingDecision (Mitz-style)', () => {
  it('a deny for a kind blocks that kind only', () => {
    const c = [objection({ type: 'deny', actor: [kind('vvt')] })];
    expect(sharingDecision(c, vvt)).toBe('deny');
    expect(sharingDecision(c, gp)).toBeUndefined();
  });
  it('a deny for an organisation by URA or by reference blocks it', () => {
    expect(
      sharingDecision(
        [
          objection({
            type: 'deny',
            actor: [{ role: {}, reference: { identifier: { system: URA_SYSTEM, value: '90000011' } } }],
          }),
        ],
        gp,
      ),
    ).toBe('deny');
    expect(
      sharingDecision(
        [objection({ type: 'deny', actor: [{ role: {}, reference: { reference: 'Organization/vvt' } }] })],
        vvt,
      ),
    ).toBe('deny');
  });
  it('a deny without actor blocks everyone', () => {
    expect(sharingDecision([objection({ type: 'deny' })], gp)).toBe('deny');
  });
  it('the more specific permit beats a deny for the kind; at equal specificity deny wins', () => {
    const permitGp = {
      type: 'permit' as const,
      actor: [{ role: {}, reference: { reference: 'Organization/gp' } }],
    };
    expect(
      sharingDecision([objection({ type: 'deny', actor: [kind('gp')], provision: [permitGp] })], gp),
    ).toBe('permit');
    expect(
      sharingDecision(
        [
          objection({ type: 'deny', actor: [kind('gp')] }),
          objection({ type: 'permit', actor: [kind('gp')] }),
        ],
        gp,
      ),
    ).toBe('deny');
  });
  it('ignores inactive consents, other scopes and provisions outside their period', () => {
    expect(sharingDecision([objection({ type: 'deny' }, 'inactive')], gp)).toBeUndefined();
    const adr = {
      ...objection({ type: 'deny' }),
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr' }] },
    };
    expect(sharingDecision([adr], gp)).toBeUndefined();
    expect(sharingDecision([objection({ type: 'deny', period: { end: '2020-01-01' } })], gp)).toBeUndefined();
  });
});
