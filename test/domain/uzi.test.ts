import { isValidUziPerson, uziPersonProblem } from '../../src/domain/uzi';

describe('isValidUziPerson', () => {
  it.each(['900012345', '000000001'])('accepts %s', (uzi) => {
    expect(isValidUziPerson(uzi)).toBe(true);
  });

  it.each(['90001234', '9000123456', '90001234x', ''])('rejects %j', (uzi) => {
    expect(isValidUziPerson(uzi)).toBe(false);
    expect(uziPersonProblem(uzi)).toBe('UZI number must be exactly 9 digits');
  });
});
