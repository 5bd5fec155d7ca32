import { rejectionProblem } from '../../src/domain/referral';

describe('rejectionProblem', () => {
  it('accepts a rejection with a coded reason', () => {
    expect(
      rejectionProblem({ status: 'rejected', rejectionReasonCodes: ['geen-bed-beschikbaar'] }),
    ).toBeUndefined();
  });

  it('refuses a rejection without a coded reason', () => {
    expect(rejectionProblem({ status: 'rejected', rejectionReasonCodes: [], reasonText: 'vol' })).toMatch(
      /rejected referral needs a statusReason coded from https:\/\/meso-zorg\.nl\/fhir\/CodeSystem\/referral-rejection-reason/,
    );
  });

  it("needs a text for 'overig'", () => {
    expect(
      rejectionProblem({ status: 'rejected', rejectionReasonCodes: ['overig'], reasonText: '  ' }),
    ).toMatch(/'overig' needs an explanation/);
    expect(
      rejectionProblem({
        status: 'rejected',
        rejectionReasonCodes: ['overig'],
        reasonText: 'Verhuist naar Groningen',
      }),
    ).toBeUndefined();
  });

  it('does not require a reason for other statuses', () => {
    expect(rejectionProblem({ status: 'accepted', rejectionReasonCodes: [] })).toBeUndefined();
  });
});
