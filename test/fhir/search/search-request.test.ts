import { parseSearchRequest } from '../../../src/fhir/search/search-request';
import { expressionFor, splitUnion, withFamilyNameParts } from '../../../src/fhir/search/expression-split';
import { searchParam } from '../../../src/fhir/search/registry';
import { FhirError } from '../../../src/kernel/outcome';
import { resourceToXml } from '../../../src/fhir/rest/xml-format';

const parse = (type: string, query: string, lenient = false) =>
  parseSearchRequest(type, [...new URLSearchParams(query)], lenient);

describe('expression splitting', () => {
  it('keeps the part of a multi-type expression for one type', () => {
    const patient = searchParam('CarePlan', 'patient');
    expect(patient?.expression).toBe('CarePlan.subject.where(resolve() is Patient)');
    expect(
      splitUnion("(Observation.value as Quantity) | Observation.component.where(code = 'a|b')"),
    ).toHaveLength(2);
    expect(expressionFor('Resource.meta.tag', 'Task')).toBe('Task.meta.tag');
    expect(expressionFor('Patient.name | Practitioner.name', 'Practitioner')).toBe('Practitioner.name');
    expect(withFamilyNameParts('Patient.name.family')).toContain("humanname-own-name'");
  });
});

describe('parseSearchRequest', () => {
  it('parses filters with modifiers, OR values and AND repeats', () => {
    const request = parse('Patient', 'family:exact=A,B&family=C&_count=5&_sort=-birthdate,_id');
    expect(request.filters.map((f) => [f.param, f.modifier, f.values])).toEqual([
      ['family', 'exact', ['A', 'B']],
      ['family', undefined, ['C']],
    ]);
    expect(request.count).toBe(5);
    expect(request.sort.map((s) => [s.param, s.descending])).toEqual([
      ['birthdate', true],
      ['_id', false],
    ]);
  });

  it('resolves chains against every target type that has the parameter', () => {
    const [filter] = parse('Observation', 'subject.identifier=x').filters;
    expect(filter.chain?.map((c) => c.targetType).sort()).toEqual(['Group', 'Patient']); // Device and Location are not served;
    const [typed] = parse('Observation', 'subject:Patient.name=x').filters;
    expect(typed.chain?.map((c) => c.targetType)).toEqual(['Patient']);
  });

  it('parses includes with target type and iterate', () => {
    const request = parse(
      'Observation',
      '_include=Observation:subject:Patient&_revinclude:iterate=Provenance:target',
    );
    expect(request.includes).toEqual([
      { sourceType: 'Observation', param: 'subject', targetType: 'Patient', reverse: false, iterate: false },
      { sourceType: 'Provenance', param: 'target', targetType: undefined, reverse: true, iterate: true },
    ]);
  });

  it('an include through an unknown parameter names that parameter, with the include as expression', () => {
    const err = (() => {
      try {
        parse('EpisodeOfCare', '_revinclude=Task:episode');
      } catch (e) {
        return e as FhirError;
      }
    })();
    expect(err?.status).toBe(400);
    expect(err?.issues).toEqual([
      expect.objectContaining({
        code: 'not-supported',
        expression: ['_revinclude'],
        diagnostics: expect.stringMatching(
          /^Unknown search parameter 'episode' for Task in _revinclude=Task:episode;/,
        ),
      }),
    ]);
  });

  it('collects every problem into one 400 naming each parameter', () => {
    const err = (() => {
      try {
        parse(
          'Patient',
          'nope=1&family:below=x&_count=-1&_summary=maybe&birthdate:missing=perhaps&gender.name=x',
        );
      } catch (e) {
        return e as FhirError;
      }
    })();
    expect(err?.status).toBe(400);
    expect(err?.issues.map((i) => i.expression?.[0])).toEqual([
      'nope',
      'family:below',
      '_count',
      '_summary',
      'birthdate:missing',
      'gender.name',
    ]);
  });

  it('reports composite and special parameters as not supported', () => {
    expect(() => parse('Observation', 'code-value-quantity=a$1')).toThrow(/not supported/);
    expect(() => parse('Patient', '_has:Observation:subject:code=x')).toThrow(FhirError);
  });

  it('ignores what it cannot use when lenient, and keeps it out of the used pairs', () => {
    const request = parse('Patient', 'nope=1&family=x&_pretty=true&name=', true);
    // _pretty is no search parameter, but the paging links repeat it.
    expect(request.used).toEqual([
      ['family', 'x'],
      ['_pretty', 'true'],
    ]);
  });
});

describe('refusals of odd parameter names', () => {
  it('an empty parameter name gives an outcome without an empty expression, which XML can carry (found by the fuzz suite)', () => {
    let error: unknown;
    try {
      parse('Patient', '=x');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FhirError);
    const outcome = (error as FhirError).toOperationOutcome();
    expect(outcome.issue.flatMap((i) => i.expression ?? [])).not.toContain('');
    expect(resourceToXml(outcome)).toContain('<OperationOutcome');
  });
});
