import { decodeBody, parseBody, responseFormat } from '../../../src/fhir/rest/content-format';
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

const latin1 = Buffer.from('{"resourceType":"Patient","name":[{"family":"Jos\xe9"}]}', 'latin1');

describe('decodeBody', () => {
  it('decodes the declared charset instead of storing U+FFFD', () => {
    for (const charset of ['iso-8859-1', 'ISO-8859-1', 'latin1', 'windows-1252', '"iso-8859-1"'])
      expect(decodeBody(latin1, `application/fhir+json; charset=${charset}`)).toContain('José');
    expect(decodeBody(Buffer.from('{"a":"José"}'), 'application/fhir+json')).toBe('{"a":"José"}');
    expect(decodeBody(Buffer.from('{"a":"José"}'), 'application/fhir+json;charset=UTF-8')).toBe(
      '{"a":"José"}',
    );
  });

  it('refuses a charset it cannot decode with 415', () => {
    const error = refusal(() => decodeBody(latin1, 'application/fhir+json; charset=x-klingon'));
    expect(error.status).toBe(415);
    expect(error.issues[0].diagnostics).toMatch(/x-klingon.*UTF-8/);
  });

  it('refuses bytes that are not valid UTF-8 with 400', () => {
    for (const contentType of ['application/fhir+json', 'application/fhir+json; charset=utf-8']) {
      const error = refusal(() => decodeBody(latin1, contentType));
      expect(error.status).toBe(400);
      expect(error.issues[0].diagnostics).toMatch(/not valid utf-8/i);
    }
  });
});

describe('parseBody', () => {
  it('refuses an unpaired surrogate in a value or key, naming where it is', () => {
    const value = refusal(() =>
      parseBody('{"resourceType":"Patient","name":[{"family":"a\\ud800b"}]}', 'json', 64),
    );
    expect(value.status).toBe(400);
    expect(value.issues[0].expression).toEqual(['Patient.name[0].family']);
    const key = refusal(() => parseBody('{"resourceType":"Patient","\\udc00":1}', 'json', 64));
    expect(key.issues[0].expression).toEqual(['Patient.\udc00']);
    expect(
      parseBody('{"resourceType":"Patient","name":[{"family":"\\ud83d\\ude00"}]}', 'json', 64),
    ).toBeTruthy();
  });
});

describe('responseFormat', () => {
  it('answers R4 for fhirVersion 4.0 and 4.0.1, and 406 for another version', () => {
    expect(responseFormat(undefined, 'application/fhir+xml; fhirVersion=4.0')).toBe('xml');
    expect(responseFormat(undefined, 'application/fhir+json; fhirVersion=4.0.1')).toBe('json');
    expect(
      responseFormat(
        undefined,
        'application/fhir+xml; fhirVersion=3.0, application/fhir+json; fhirVersion=4.0',
      ),
    ).toBe('json');
    for (const accept of ['application/fhir+json; fhirVersion=3.0', 'application/fhir+xml;fhirVersion=5.0']) {
      const error = refusal(() => responseFormat(undefined, accept));
      expect(error.status).toBe(406);
      expect(error.issues[0].diagnostics).toMatch(/R4/);
    }
    expect(refusal(() => responseFormat('json', 'application/fhir+json; fhirVersion=3.0')).status).toBe(406);
  });
});
