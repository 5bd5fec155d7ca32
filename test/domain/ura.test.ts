import { isValidUra, uraProblem } from '../../src/domain/ura';

describe('isValidUra', () => {
  it.each(['90000011', '06020806'])('accepts %s', (ura) => {
    expect(isValidUra(ura)).toBe(true);
  });

  it.each(['9000001', '900000111', 'URA12345', ''])('rejects %j', (ura) => {
    expect(isValidUra(ura)).toBe(false);
    expect(uraProblem(ura)).toBe('URA must be exactly 8 digits');
  });
});
