import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { ResourceValidator, ValidationOptions } from '../../../src/fhir/validation/validator';
import { example, loadExamples, referenceIndex, validator } from './nl-core-examples';

/* eslint-disable @typescript-eslint/no-explicit-any -- mutations poke into example JSON of many shapes */

/**
 * One broken variant of a real nl-core example per rule kind. Each must be rejected with an error at the
 * exact FHIRPath, and the unbroken original must pass (so the error is caused by the mutation).
 */
describe('profile validator rejects broken nl-core examples', () => {
  const examples = loadExamples();
  const resolveReference = referenceIndex(examples);
  let v: ResourceValidator;

  beforeAll(async () => {
    v = await validator();
  });

  const errors = (r: Resource, opts: ValidationOptions = {}) =>
    v.validate(r, { resolveReference, ...opts }).filter((i) => i.severity === 'error');

  function expectError(
    issues: OperationOutcomeIssue[],
    expression: string,
    code: string,
    text?: RegExp,
  ): void {
    const hit = issues.find((i) => i.expression?.[0] === expression && i.code === code);
    expect({ issues, hit: !!hit }).toMatchObject({ hit: true });
    if (text) expect(hit?.diagnostics).toMatch(text);
  }

  const cases: {
    rule: string;
    file: string;
    prepare?: (r: any) => void;
    mutate: (r: any) => void;
    expression: string;
    code: string;
    text?: RegExp;
    opts?: ValidationOptions;
  }[] = [
    {
      rule: 'min (base element, 1..1)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) => delete p.communication[0].language,
      expression: 'Patient.communication[0].language',
      code: 'required',
      text: /Missing required property 'language'/,
    },
    {
      rule: 'min (nl-core: every given name needs its BR/IN qualifier)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) => delete p.name[0]._given,
      expression: 'Patient.name[0].given[0].extension',
      code: 'required',
      text: /minimum required = 1, but only found 0 \(profile NlcoreNameInformation/,
    },
    {
      rule: 'max (slice nameInformation is 0..2)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) => p.name.push(structuredClone(p.name[0]), structuredClone(p.name[0])),
      expression: 'Patient.name',
      code: 'structure',
      text: /slice 'nameInformation': max allowed = 2, but found 3/,
    },
    {
      rule: 'slice min (verificationStatus needs the SNOMED coding)',
      file: 'nl-core-Problem-01.json',
      mutate: (c) => c.verificationStatus.coding.splice(1, 1),
      expression: 'Condition.verificationStatus.coding',
      code: 'required',
      text: /minimum required = 1, but only found 0/,
    },
    {
      rule: 'type (choice restricted by the profile)',
      file: 'nl-core-BodyWeight-01.json',
      mutate: (o) => {
        o.valueString = '2400 g';
        delete o.valueQuantity;
      },
      expression: 'Observation.valueString',
      code: 'structure',
      text: /Type string is not allowed/,
    },
    {
      rule: 'fixed (R4 bodyweight: valueQuantity.system is UCUM)',
      file: 'nl-core-BodyWeight-01.json',
      // The example's diaper-weight component has a non-UCUM unit, which R4 bodyweight does not allow.
      prepare: (o) => delete o.component,
      mutate: (o) => (o.valueQuantity.system = 'http://example.org/units'),
      expression: 'Observation.valueQuantity.system',
      code: 'value',
      text: /must be exactly "http:\/\/unitsofmeasure.org"/,
      opts: { profile: 'http://hl7.org/fhir/StructureDefinition/bodyweight' },
    },
    {
      rule: 'pattern (LivingSituation code is SNOMED 365508006)',
      file: 'nl-core-LivingSituation-01.json',
      mutate: (o) => (o.code.coding[0].code = '224221006'),
      expression: 'Observation.code',
      code: 'value',
      text: /365508006/,
    },
    {
      rule: 'required binding (maritalStatus)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) => (p.maritalStatus.coding[0].code = 'XX'),
      expression: 'Patient.maritalStatus.coding[0]',
      code: 'code-invalid',
      text: /v3-MaritalStatus#XX is not in the required value set/,
    },
    {
      rule: 'invariant (pat-1: a contact needs a name, telecom, address or organization)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) => (p.contact[0] = { relationship: p.contact[0].relationship }),
      expression: 'Patient.contact[0]',
      code: 'invariant',
      text: /pat-1/,
    },
    {
      rule: 'extension validated by its own definition (patient-nationality code is a CodeableConcept)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) => {
        const code = p.extension[0].extension[0];
        code.valueString = 'NL';
        delete code.valueCodeableConcept;
      },
      expression: 'Patient.extension[0].extension[0].valueString',
      code: 'structure',
      text: /Type string is not allowed/,
    },
    {
      rule: 'extension not sliced by the profile, validated by url (patient-birthPlace is an Address)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) =>
        p.extension.push({
          url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
          valueString: 'Assen',
        }),
      expression: 'Patient.extension[1].valueString',
      code: 'structure',
    },
    {
      rule: 'reference target type',
      file: 'nl-core-EpisodeOfCare-01.json',
      mutate: (e) => (e.diagnosis[0].condition = { reference: 'Observation/nl-core-BodyWeight-01' }),
      expression: 'EpisodeOfCare.diagnosis[0].condition.reference',
      code: 'structure',
      text: /Reference to a Observation is not allowed/,
    },
    {
      // nl-core mostly lists the base type next to its profiles (any Condition will do); ext-AdvanceDirective.Disorder
      // demands a Problem (nl-core-AdvanceDirective narrows it to nl-core-Problem), which allows one note.
      rule: 'reference target profile (the disorder of an AdvanceDirective must be a nl-core-Problem)',
      file: 'nl-core-AdvanceDirective-01.json',
      mutate: (c) => (c.extension[0].valueReference.reference = 'Condition/two-notes'),
      opts: {
        resolveReference: (ref) => {
          if (ref !== 'Condition/two-notes') return resolveReference(ref);
          const problem = example(examples, 'nl-core-AdvanceDirective-01-Condition-01.json');
          return { ...problem, id: 'two-notes', note: [{ text: 'a' }, { text: 'b' }] } as Resource;
        },
      },
      expression: 'Consent.extension[0].valueReference.reference',
      code: 'structure',
      text: /does not conform to http:\/\/nictiz.nl\/fhir\/StructureDefinition\/nl-core-Problem/,
    },
    {
      rule: 'invariant evaluated natively (dom-3: a contained resource must be referenced)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) => (p.contained = [{ resourceType: 'Organization', id: 'orphan', name: 'Nergens' }]),
      expression: 'Patient.contained[0]',
      code: 'invariant',
      text: /dom-3/,
    },
    {
      rule: 'structure (JSON Schema: unknown property)',
      file: 'nl-core-Patient-01.json',
      mutate: (p) => (p.nickname = 'Jo'),
      expression: 'Patient.nickname',
      code: 'structure',
    },
  ];

  it.each(cases.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const original = example(examples, c.file);
    c.prepare?.(original);
    expect(errors(original, c.opts)).toEqual([]);
    const broken = structuredClone(original);
    c.mutate(broken);
    expectError(errors(broken, c.opts), c.expression, c.code, c.text);
  });

  it('slice max with resolve(): CareTeam participant slices resolved through a Bundle', () => {
    const careTeam = example(examples, 'nl-core-CareTeam-01.json');
    const entries = (careTeam as any).participant.map((p: any) => resolveReference(p.member.reference));
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [careTeam, ...entries].map((resource) => ({ resource })),
    };
    expectError(
      errors(careTeam, { bundle, resolveReference: undefined }),
      'CareTeam.participant',
      'structure',
      /max allowed = 1, but found 5/,
    );
  });

  it('reports codes it cannot check (COD016, content not-present) as information, not as an error', () => {
    const role = example(examples, 'nl-core-HealthProfessional-PractitionerRole-01.json') as any;
    role.specialty = [{ coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.6.7', code: '9901' }] }];
    const issues = v.validate(role, { resolveReference });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    const info = issues.find((i) => i.expression?.[0] === 'PractitionerRole.specialty[0].coding[0]');
    expect(info).toMatchObject({ severity: 'information' });
    expect(info?.diagnostics).toMatch(/could not be checked/);
  });

  it('warning-severity invariants become warnings (nl-core-NameInformation-02: family parts need family)', () => {
    const patient = example(examples, 'nl-core-Patient-01.json') as any;
    delete patient.name[0].family;
    const issues = v.validate(patient, { resolveReference });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(issues.find((i) => /nl-core-NameInformation-02/.test(i.diagnostics ?? ''))).toMatchObject({
      severity: 'warning',
      code: 'invariant',
      expression: ['Patient.name[0].family'],
    });
  });
});
