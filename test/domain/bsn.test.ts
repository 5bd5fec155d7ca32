import { bsnProblem, isValidBsn } from '../../src/domain/bsn';

describe('isValidBsn', () => {
  it.each(['999911120', '999901199', '999900213', '111222333'])('accepts %s (passes the 11-proef)', (bsn) => {
    expect(isValidBsn(bsn)).toBe(true);
  });

  it.each([
    ['123456789', 'BSN fails the 11-proef'],
    ['999911121', 'BSN fails the 11-proef'],
    ['000000000', 'BSN must not be all zeros'],
    ['99991112', 'BSN must be exactly 9 digits'],
    ['9999111200', 'BSN must be exactly 9 digits'],
    ['99991112O', 'BSN must be exactly 9 digits'],
    [' 999911120', 'BSN must be exactly 9 digits'],
    ['', 'BSN must be exactly 9 digits'],
  ])('rejects %j: %s', (bsn, problem) => {
    expect(isValidBsn(bsn)).toBe(false);
    expect(bsnProblem(bsn)).toBe(problem);
  });

  it('does not left-pad an 8-digit value, even when the padded value would pass', () => {
    expect(isValidBsn('099911120'.slice(1))).toBe(false);
  });
});
