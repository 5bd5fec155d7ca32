import { parsePrefer } from '../../../src/fhir/rest/prefer-header';

describe('parsePrefer', () => {
  it('reads return and handling preferences', () => {
    expect(parsePrefer('return=minimal')).toEqual({ return: 'minimal', lenient: false });
    expect(parsePrefer('handling=lenient, return=OperationOutcome')).toEqual({
      return: 'OperationOutcome',
      lenient: true,
    });
    expect(parsePrefer('handling=strict')).toEqual({ lenient: false });
  });

  it('ignores unknown preferences', () => {
    expect(parsePrefer('respond-async; return=everything')).toEqual({ lenient: false });
    expect(parsePrefer(undefined)).toEqual({ lenient: false });
  });
});
