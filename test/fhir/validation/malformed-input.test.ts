import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { ResourceValidator } from '../../../src/fhir/validation/validator';
import { example, loadExamples, referenceIndex, validator } from './nl-core-examples';

/* eslint-disable @typescript-eslint/no-explicit-any -- the point is JSON of the wrong shape */

/**
 * JSON of the wrong kind, broken Unicode and impossible dates must come back as error issues at the exact
 * FHIRPath, and the validator itself must never throw on them (issue 8 §2).
 */
describe('validator on malformed JSON', () => {
  const examples = loadExamples();
  const resolveReference = referenceIndex(examples);
  let v: ResourceValidator;

  beforeAll(async () => {
    v = await validator();
  });

  const patient = (): any => example(examples, 'nl-core-Patient-01.json');
  const errors = (r: unknown): OperationOutcomeIssue[] =>
    v.validate(r as Resource, { resolveReference }).filter((i) => i.severity === 'error');
  const expressions = (r: unknown) => errors(r).map((i) => i.expression?.[0]);

  it('accepts the unbroken example (so each error below is the mutation)', () => {
    expect(errors(patient())).toEqual([]);
  });

  // Found by the full fuzz run (npm run test:fuzz): each of these was a 500 or a stored resource XML could not serve.
  it('refuses empty strings: they have no XML form', () => {
    const p = patient();
    p.name[0].family = '';
    p.generalPractitioner = [{ reference: 'Organization/x', type: '' }];
    expect(expressions(p)).toEqual(
      expect.arrayContaining(['Patient.name[0].family', 'Patient.generalPractitioner[0].type']),
    );
  });

  it('answers a resourceType that is not a type name with an issue, not a throw', () => {
    for (const resourceType of [{ x: 'epoch' }, Object.create(null), 5, null, 'patient'])
      expect(errors({ ...patient(), resourceType })).toEqual([
        expect.objectContaining({ code: 'structure', expression: ['resourceType'] }),
      ]);
  });

  it('refuses a primitive-extension sibling of a complex element without throwing', () => {
    const p = patient();
    p._meta = [{}];
    p.address[0]._line = p.address[0]._line ?? [{}];
    p.address[0]._country = [{}];
    expect(expressions(p)).toEqual(expect.arrayContaining(['Patient._meta']));
  });

  it('refuses non-objects where an object is required, each at its index', () => {
    const p = patient();
    p.identifier = [p.identifier[0], 'x', 5, [1]];
    const found = errors(p);
    for (const i of [1, 2, 3]) {
      expect(found).toContainEqual(
        expect.objectContaining({
          code: 'structure',
          expression: [`Patient.identifier[${i}]`],
          diagnostics: expect.stringMatching(/must be object/),
        }),
      );
    }
  });

  it.each<[string, string, (p: any) => void]>([
    ['a number for a date', 'Patient.birthDate', (p) => (p.birthDate = 19340428)],
    ['an object for a date', 'Patient.birthDate', (p) => (p.birthDate = { x: 1 })],
    ['a string for a list of HumanName', 'Patient.name', (p) => (p.name = 'Jansen')],
    ['null in a list', 'Patient.name[0]', (p) => (p.name = [null])],
    ['null identifier', 'Patient.identifier[0]', (p) => (p.identifier = [null])],
    [
      'a list for a single CodeableConcept',
      'Patient.maritalStatus',
      (p) => (p.maritalStatus = [p.maritalStatus]),
    ],
    ['a list for a single code', 'Patient.gender', (p) => (p.gender = ['female'])],
    ['an empty list', 'Patient.telecom', (p) => (p.telecom = [])],
    ['a string for a primitive extension', 'Patient._birthDate', (p) => (p._birthDate = 'x')],
    [
      'a number as Extension.url',
      'Patient.extension[0].url',
      (p) => (p.extension = [{ url: 5, valueString: 'x' }]),
    ],
    [
      'an object as narrative div',
      'Patient.text.div',
      (p) => (p.text = { status: 'generated', div: { x: 1 } }),
    ],
  ])('refuses %s at %s', (_what, expression, mutate) => {
    const p = patient();
    mutate(p);
    expect(expressions(p)).toContain(expression);
  });

  it('keeps null placeholders in primitive extension lists legal', () => {
    const p = {
      resourceType: 'Patient',
      name: [{ given: ['Johanna', 'Petronella'], _given: [null, { id: 'second-given' }] }],
    };
    expect(errors(p)).toEqual([]);
    expect(errors({ ...p, name: [{ given: ['Johanna'], _given: ['x'] }] })[0]?.expression).toEqual([
      'Patient.name[0]._given[0]',
    ]);
  });

  it.each<[string, unknown]>([
    ['a string', 'http://x'],
    ['a number and null inside', [5, null]],
    ['an object', { url: 'http://x' }],
  ])('reports meta.profile as %s instead of throwing', (_what, profile) => {
    const p = patient();
    p.meta = { profile };
    expect(() => v.validate(p)).not.toThrow();
    expect(expressions(p).some((e) => e?.startsWith('Patient.meta.profile'))).toBe(true);
  });

  it('does not throw on malformed contained resources, Bundle entries or references', () => {
    const p = patient();
    p.contained = 'x';
    p.generalPractitioner = [{ reference: '#x' }];
    expect(() => v.validate(p)).not.toThrow();
    expect(expressions(p)).toContain('Patient.contained');
    const bundle: any = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 5, resource: 'x' }, null, { resource: { resourceType: 'Patient', id: 5 } }],
    };
    expect(() => v.validate(bundle)).not.toThrow();
    expect(expressions(bundle)).toEqual(
      expect.arrayContaining(['Bundle.entry[0].fullUrl', 'Bundle.entry[0].resource', 'Bundle.entry[1]']),
    );
    expect(() => v.validate(p, { bundle })).not.toThrow();
  });

  it('refuses an unpaired UTF-16 surrogate in any string', () => {
    const p = patient();
    p.name[0].family = 'a\ud800b';
    p.identifier[0].system = 'http://x/\udc00';
    const found = errors(p).filter((i) => /unpaired UTF-16 surrogate/.test(i.diagnostics ?? ''));
    expect(found.map((i) => i.expression?.[0])).toEqual(
      expect.arrayContaining(['Patient.name[0].family', 'Patient.identifier[0].system']),
    );
    expect(found.every((i) => i.code === 'invalid')).toBe(true);
    const paired = patient();
    paired.name[0].family = 'Jansen 😀';
    expect(errors(paired)).toEqual([]);
  });

  // R4 datatypes.html#string; such a resource was stored, and every XML read of it was a 500.
  it('refuses control characters, U+FFFE and U+FFFF in any string, but keeps tab, CR and LF', () => {
    const p = patient();
    p.name[0].family = 'Jan\u0003sen';
    p.name[0].given = ['\uffff'];
    const found = errors(p).filter((i) => /a character FHIR strings may not hold/.test(i.diagnostics ?? ''));
    expect(found.map((i) => i.expression?.[0])).toEqual(
      expect.arrayContaining(['Patient.name[0].family', 'Patient.name[0].given[0]']),
    );
    expect(found[0].diagnostics).toMatch(/U\+0003/);
    const whitespace = patient();
    whitespace.name[0].text = 'Jan\tJansen\r\nregel twee';
    expect(errors(whitespace)).toEqual([]);
  });

  it.each([
    ['Patient.birthDate', '1950-02-30', (p: any, d: string) => (p.birthDate = d)],
    ['Patient.birthDate', '2023-02-29', (p: any, d: string) => (p.birthDate = d)],
    ['Patient.birthDate', '2024-13-01', (p: any, d: string) => (p.birthDate = d)],
    [
      'Patient.deceasedDateTime',
      '2024-04-31T10:00:00+02:00',
      (p: any, d: string) => (p.deceasedDateTime = d),
    ],
    ['Patient.deceasedDateTime', '2024-01-01T25:00:00Z', (p: any, d: string) => (p.deceasedDateTime = d)],
    ['Patient.meta.lastUpdated', '2023-02-29T10:00:00Z', (p: any, d: string) => (p.meta.lastUpdated = d)],
  ])('refuses the impossible date at %s: %s', (expression, date, set) => {
    const p = patient();
    delete p.deceasedBoolean;
    set(p, date);
    expect(expressions(p)).toContain(expression);
  });

  it('accepts real calendar edge dates', () => {
    for (const d of ['2024-02-29', '2000-02-29', '9999-12-31', '1900-02-28', '2024-04-30']) {
      const p = patient();
      p.birthDate = d;
      expect({ d, errors: errors(p) }).toEqual({ d, errors: [] });
    }
  });
});

describe('invariants that evaluate to empty are satisfied (as the HL7 validator)', () => {
  const examples = loadExamples();
  const resolveReference = referenceIndex(examples);
  let v: ResourceValidator;

  beforeAll(async () => {
    v = await validator();
  });

  const errors = (r: unknown, profile?: string) =>
    v.validate(r as Resource, { resolveReference, profile }).filter((i) => i.severity === 'error');

  it('accepts a display-only Reference (ref-1 has no reference to check)', () => {
    const plan = {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/nl-core-Patient-01' },
      author: { display: 'Dr. A. de Vries, specialist ouderengeneeskunde' },
      contributor: [{ type: 'Practitioner', display: 'J. Jansen' }],
    };
    expect(errors(plan)).toEqual([]);
  });

  it('accepts the nl-core TreatmentDirective2 example with its sourceReference trimmed to a display', () => {
    const directive: any = example(examples, 'nl-core-TreatmentDirective2-01.json');
    expect(errors(directive)).toEqual([]);
    directive.sourceReference = { display: directive.sourceReference.display };
    expect(errors(directive)).toEqual([]);
    directive.sourceReference = { type: 'Consent', display: 'Wilsverklaring, Volmacht, 2010-05-06' };
    expect(errors(directive)).toEqual([]);
  });

  it('still fails ref-1 when a local reference has no contained resource', () => {
    const plan = {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/nl-core-Patient-01' },
      author: { reference: '#nobody' },
    };
    expect(errors(plan).map((i) => i.diagnostics)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Constraint ref-1 failed/)]),
    );
  });
});
