import { parseCriteria } from '../../../src/fhir/search/criteria';
import { parseSearchRequest } from '../../../src/fhir/search/search-request';
import { FhirError } from '../../../src/kernel/outcome';

function refusal(run: () => unknown): FhirError {
  try {
    run();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

describe('conditional criteria', () => {
  it('reads name=value pairs, with or without a leading Type?', () => {
    expect(parseCriteria('identifier=http://x|1', 'If-None-Exist')).toEqual([['identifier', 'http://x|1']]);
    expect(parseCriteria('Patient?identifier=a%7Cb&family=de+Vries', 'x')).toEqual([
      ['identifier', 'a|b'],
      ['family', 'de Vries'],
    ]);
  });

  it.each([
    ['%%%', /percent-encoded/, '%%%'],
    ['identifier=%E0%A4%A', /percent-encoded/, 'identifier'],
    ['family=%ED%A0%80', /percent-encoded/, 'family'],
    ['', /no search parameters/, undefined],
    ['Patient?', /no search parameters/, undefined],
    ['identifier', /"identifier" has no value/, 'identifier'],
    ['identifier=', /"identifier" has no value/, 'identifier'],
    ['=x', /no parameter name/, undefined],
    ['_count=1', /not a search criterion/, '_count'],
  ])('refuses %j with 400 naming the problem', (criteria, message, expression) => {
    const error = refusal(() => parseCriteria(criteria, 'If-None-Exist'));
    expect(error.status).toBe(400);
    expect(error.issues[0].diagnostics).toMatch(message);
    expect(error.issues[0].expression).toEqual(expression ? [expression] : undefined);
  });

  it('uses the caller-given expression (a Bundle entry) when there is one', () => {
    const error = refusal(() => parseCriteria('%%%', 'Entry 2:', 'Bundle.entry[2].request'));
    expect(error.issues[0].expression).toEqual(['Bundle.entry[2].request']);
  });
});

describe('search parameter values', () => {
  it('refuses an unpaired surrogate at the door, with the parameter as expression', () => {
    const error = refusal(() => parseSearchRequest('Patient', [['family', 'a\ud800b']], false));
    expect(error.status).toBe(400);
    expect(error.issues[0].expression).toEqual(['family']);
    expect(parseSearchRequest('Patient', [['family', 'a\ud800b']], true).filters).toEqual([]);
    // A proper pair (an emoji) is fine.
    expect(parseSearchRequest('Patient', [['family', 'a\ud83d\ude00b']], false).filters).toHaveLength(1);
  });
});
