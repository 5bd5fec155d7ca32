import { FhirError } from '../../../src/kernel/outcome';
import { pageSize, parseCount } from '../../../src/fhir/search/count';
import { parseSearchRequest } from '../../../src/fhir/search/search-request';

/** Search and history read `_count` with one parser (issue 9): the same values pass, the same 400 for the rest. */
describe('_count', () => {
  const searchError = (value: string) => {
    try {
      parseSearchRequest('Patient', [['_count', value]], false);
    } catch (err) {
      return (err as FhirError).toOperationOutcome().issue[0];
    }
    throw new Error('no error');
  };

  it('accepts digits only', () => {
    expect(parseCount('0')).toBe(0);
    expect(parseCount('007')).toBe(7);
    for (const bad of [' ', '\u2028', '-1', '1e3', '1.5', '0x10', '1234567890']) {
      expect(() => parseCount(bad)).toThrow(FhirError);
    }
  });

  it('gives search the same answer as history: what was sent, and where', () => {
    expect(searchError('1e3')).toMatchObject({
      code: 'invalid',
      diagnostics: '_count must be a non-negative integer, got "1e3"',
      expression: ['_count'],
    });
    expect(parseSearchRequest('Patient', [['_count', '12']], false).count).toBe(12);
  });

  it('pages by the asked size, the default without one, never above the maximum', () => {
    const paging = { defaultCount: 50, maxCount: 1000 };
    expect(pageSize(undefined, paging)).toBe(50);
    expect(pageSize(0, paging)).toBe(0);
    expect(pageSize(20, paging)).toBe(20);
    expect(pageSize(5000, paging)).toBe(1000);
    expect(pageSize(undefined, { defaultCount: 50, maxCount: 10 })).toBe(10);
  });
});
