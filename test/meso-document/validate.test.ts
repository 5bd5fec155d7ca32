import { validateMesoDocument } from '../../src/meso-document/validate';
import { EXAMPLE_NAMES, example } from './examples';

/* eslint-disable @typescript-eslint/no-explicit-any -- mutating parsed JSON at known paths */

function errorsOf(doc: unknown) {
  const result = validateMesoDocument(doc);
  if (result.valid) throw new Error('expected the document to be invalid');
  return result.errors;
}

describe('MESO care-plan document: the examples', () => {
  it.each(EXAMPLE_NAMES)('examples/meso/%s.json is valid', (name) => {
    const result = validateMesoDocument(example(name));
    expect(result).toEqual({ valid: true, document: example(name) });
  });

  it.each(EXAMPLE_NAMES)(
    'examples/meso/%s.json is about a fictional client with a test-range BSN',
    (name) => {
      expect((example(name) as any).client.bsn).toMatch(/^9999\d{5}$/);
    },
  );

  it('the escalation example has an open referral and treatment limits; the ELV example an ELV episode', () => {
    const esc = example('escalatie-wilsverklaring') as any;
    expect(esc.escalations[0].status).toBe('aangevraagd');
    expect(esc.advanceDirectives.treatmentLimits.map((t: any) => t.treatment)).toContain('reanimatie');
    const elv = example('elv-episode') as any;
    expect(elv.elvEpisodes[0].service).toMatch(/^elv-/);
    expect(elv.escalations[0].kind).toBe('elv-aanvraag');
  });
});

describe('MESO care-plan document: each kind of mistake has a precise pointer and a readable message', () => {
  const cases: Array<[string, (d: any) => void, string, RegExp]> = [
    [
      'missing required',
      (d) => delete d.client.gender,
      '/client/gender',
      /required property \(Geslacht\) is missing/,
    ],
    [
      'missing block',
      (d) => delete d.trajectory,
      '/trajectory',
      /required property \(Zorgtraject\) is missing/,
    ],
    ['wrong type', (d) => (d.document.version = '2'), '/document/version', /must be of type integer/],
    [
      'bad enum',
      (d) => (d.trajectory.status = 'open'),
      '/trajectory/status',
      /must be one of: gepland, actief/,
    ],
    ['bad date format', (d) => (d.client.birthDate = '12-03-1938'), '/client/birthDate', /YYYY-MM-DD/],
    [
      'bad date-time',
      (d) => (d.document.date = '2026-09-15 10:30'),
      '/document/date',
      /date-time with time zone/,
    ],
    [
      'bad e-mail',
      (d) => (d.team.members[0].professional.email = 'nope'),
      '/team/members/0/professional/email',
      /e-mail/,
    ],
    ['additional property', (d) => (d.client.bsnNummer = '1'), '/client/bsnNummer', /not allowed in Cliënt/],
    [
      'BSN not 9 digits',
      (d) => (d.client.bsn = '12345678'),
      '/client/bsn',
      /BSN must be 9 digits and pass the 11-proef/,
    ],
    [
      'AGB not 8 digits',
      (d) => (d.client.gpPractice.agb = '0105778'),
      '/client/gpPractice/agb',
      /AGB code must be exactly 8 digits/,
    ],
    [
      'URA not 8 digits',
      (d) => (d.trajectory.managingOrganisation.ura = 'x'),
      '/trajectory/managingOrganisation/ura',
      /URA/,
    ],
    [
      'UZI not 9 digits',
      (d) => (d.document.author.identifiers.uzi = '9000'),
      '/document/author/identifiers/uzi',
      /UZI number/,
    ],
    [
      'no identifier',
      (d) => (d.document.author.identifiers = {}),
      '/document/author/identifiers',
      /at least one of: uzi, agb, big/,
    ],
    [
      'Barthel above 20',
      (d) => (d.circumstances.barthel.score = 21),
      '/circumstances/barthel/score',
      /Barthel.* between 0 and 20/,
    ],
    [
      'Barthel below 0',
      (d) => (d.circumstances.barthel.score = -1),
      '/circumstances/barthel/score',
      /between 0 and 20/,
    ],
    [
      'Barthel not integer',
      (d) => (d.circumstances.barthel.score = 12.5),
      '/circumstances/barthel/score',
      /integer/,
    ],
    ['schema version', (d) => (d.schemaVersion = '2.0.0'), '/schemaVersion', /must be "1.0.0"/],
    ['empty team', (d) => (d.team.members = []), '/team/members', /must NOT have fewer than 1 items/],
    [
      'bad postcode',
      (d) => (d.client.address.postalCode = '0411AB'),
      '/client/address/postalCode',
      /postcode/,
    ],
    [
      'partner name needed (NL3)',
      (d) => (d.client.name.nameUsage = 'NL3'),
      '/client/name/partnerName',
      /is missing/,
    ],
    [
      'finished trajectory needs end',
      (d) => (d.trajectory.status = 'afgerond'),
      '/trajectory/end',
      /is missing/,
    ],
    [
      'bad problem domain',
      (d) => (d.problems.cognitief = []),
      '/problems/cognitief',
      /not allowed in Problemen/,
    ],
    [
      'coding without system',
      (d) => delete d.problems.somatisch[0].code.system,
      '/problems/somatisch/0/code/system',
      /is missing/,
    ],
  ];

  it.each(cases)('%s', (_name, mutate, pointer, message) => {
    const doc = example('eenvoudig');
    mutate(doc);
    const errors = errorsOf(doc);
    expect(errors).toContainEqual({ pointer, message: expect.stringMatching(message) });
    expect(errors.find((e) => e.pointer === pointer)!.message.startsWith(pointer.slice(1) + ': ')).toBe(true);
  });

  it('a treatment limit "JA_MAAR" needs its restrictions, "overig" its treatment', () => {
    const doc = example('escalatie-wilsverklaring') as any;
    delete doc.advanceDirectives.treatmentLimits[2].restrictions;
    delete doc.advanceDirectives.treatmentLimits[3].otherTreatment;
    expect(errorsOf(doc).map((e) => e.pointer)).toEqual([
      '/advanceDirectives/treatmentLimits/2/restrictions',
      '/advanceDirectives/treatmentLimits/3/otherTreatment',
    ]);
  });

  it('an ELV request needs the requested service; a rejection needs its reason', () => {
    const doc = example('elv-episode') as any;
    delete doc.escalations[0].requestedService;
    doc.escalations[0].status = 'afgewezen';
    expect(errorsOf(doc).map((e) => e.pointer)).toEqual([
      '/escalations/0/requestedService',
      '/escalations/0/rejectionReason',
    ]);
  });

  it('reports every mistake at once, each once', () => {
    const doc = example('eenvoudig') as any;
    delete doc.client.gender;
    doc.circumstances.barthel.score = 30;
    doc.trajectory.status = 'x';
    expect(errorsOf(doc).map((e) => e.pointer)).toEqual([
      '/client/gender',
      '/trajectory/status',
      '/circumstances/barthel/score',
    ]);
  });

  it('escapes "/" and "~" in property names (RFC 6901)', () => {
    const doc = example('eenvoudig') as any;
    doc.client['a/b~c'] = 1;
    expect(errorsOf(doc)).toEqual([
      { pointer: '/client/a~1b~0c', message: expect.stringMatching(/^client\/a~1b~0c: /) },
    ]);
  });

  it('a document that is not an object', () => {
    expect(errorsOf('zorgplan')).toEqual([
      { pointer: '', message: expect.stringMatching(/^\(document root\): .*object/) },
    ]);
  });
});
