import { agbProblem, isValidAgb } from '../../src/domain/agb';

describe('isValidAgb', () => {
  it.each(['01012345', '75051236', '00000001'])('accepts %s', (agb) => {
    expect(isValidAgb(agb)).toBe(true);
  });

  it.each(['0101234', '010123456', '0101234a', '01-12345', ''])('rejects %j', (agb) => {
    expect(isValidAgb(agb)).toBe(false);
    expect(agbProblem(agb)).toBe('AGB code must be exactly 8 digits');
  });
});
