import type { AuditEvent, Bundle, Patient, Resource, Task } from '@medplum/fhirtypes';
import { generateNarrative, withNarrative } from '../../../src/fhir/narrative/narrative';
import { checkNarrativeDiv, fixture, fixtureFiles } from './xhtml-check';

/** The text a display-only system shows for a resource; fails the test when the div breaks txt-1/txt-2. */
function shownText(resource: Resource): string {
  const text = generateNarrative(resource);
  if (!text) throw new Error(`no narrative for ${resource.resourceType}`);
  expect(text.status).toBe('generated');
  return checkNarrativeDiv(text.div);
}

const HOSTILE = `<script>alert("x")</script> & 'Jan' <img src=x onerror=alert(1)>\u0001`;

/** Every string in the resource, except its type, replaced by hostile input. */
function poisoned(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key === 'resourceType' ? value : HOSTILE;
  if (Array.isArray(value)) return value.map((item) => poisoned(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisoned(v, k)]));
  }
  return value;
}

describe('generateNarrative for the demo scenario', () => {
  it.each(fixtureFiles())('%s: well-formed XHTML within txt-1 and txt-2', (file) => {
    expect(shownText(fixture(file)).length).toBeGreaterThan(20);
  });

  it.each<[string, string[]]>([
    [
      'Patient-meso-demo-client-1-patient.json',
      [
        'Cliënt',
        'Geertruida Johanna Bakker-Hoekstra',
        'Roepnaam Truus',
        'BSN 999911120',
        'Geboortedatum 14 mei 1940',
        'Geslacht vrouw',
        'Kerkstraat 8, 9411 KE Beilen',
        'Huisarts Jeroen Wierenga, Huisarts',
      ],
    ],
    ['Patient-meso-demo-client-2-patient.json', ['Hendrik Jansen', 'Geslacht man', '2 november 1943']],
    ['Patient-meso-demo-client-3-patient.json', ['Aaltje Smit-Mulder', '22 februari 1934', 'BSN ']],
    [
      'RelatedPerson-meso-demo-client-1-mantelzorger.json',
      ['Marian Bakker', 'Relatie Mantelzorger, Daughter'],
    ],
    [
      'Practitioner-meso-demo-huisarts-practitioner.json',
      ['Jeroen Wierenga', 'AGB 01012345, UZI 900012345, BIG 19012345601'],
    ],
    [
      'PractitionerRole-meso-demo-specialist-ouderengeneeskunde-role.json',
      ['Ingrid van der Veen', 'Specialisme Specialist ouderengeneeskunde', 'Organisatie MESO Ouderenzorg'],
    ],
    [
      'Organization-meso-demo-org-huisartsenpraktijk.json',
      ['Huisartsenpraktijk De Brink', 'URA 90000011, AGB 01051234', 'Brink 12, 9411 AB Beilen'],
    ],
    [
      'CareTeam-meso-demo-client-1-careteam.json',
      [
        'Zorgteam',
        'MESO-team Geertruida Johanna Bakker-Hoekstra',
        'Status actief',
        'Regiebehandelaar (hoofdbehandelaar): Ingrid van der Veen, Specialist ouderengeneeskunde',
        'Uitvoerder: Femke Dijkstra, Verpleegkundige',
        'cliënt: Geertruida Johanna Bakker-Hoekstra',
        'naaste: Marian Bakker',
      ],
    ],
    [
      'EpisodeOfCare-meso-demo-client-1-zorgtraject.json',
      [
        'Zorgtraject kwetsbare patiënten',
        'Status actief',
        'Periode vanaf 2 maart 2026',
        'Regiebehandelaar Ingrid van der Veen, Specialist ouderengeneeskunde',
        'Problemen Dementie',
      ],
    ],
    [
      'EpisodeOfCare-meso-demo-client-3-zorgtraject.json',
      ['Status afgerond', '12 mei 2025 t/m 27 februari 2026'],
    ],
    [
      'CarePlan-meso-demo-client-1-zorgbehandelplan.json',
      [
        'Titel Zorgbehandelplan Geertruida Johanna Bakker-Hoekstra',
        'Status actief',
        'Periode vanaf 16 maart 2026',
        'Volgende evaluatie 14 december 2026',
        'Opgesteld door Ingrid van der Veen',
        'Dementie',
        'Decompensatio cordis',
        'Mevrouw blijft veilig thuis wonen en valt niet meer',
        'Bij verdere achteruitgang bespreken we tijdelijk verblijf (ELV).',
      ],
    ],
    [
      'CarePlan-meso-demo-client-3-zorgbehandelplan.json',
      ['Status afgerond', '26 mei 2025 t/m 27 februari 2026'],
    ],
    [
      'CarePlan-meso-demo-client-1-hulp-van-anderen.json',
      [
        'ondersteuning voor verzorger: Dochter doet de boodschappen en zet de medicatie klaar; 2 keer per week; Marian Bakker; lopend',
      ],
    ],
    [
      'Condition-meso-demo-client-1-problem-1.json',
      [
        'Probleem Dementie',
        'Klinische status actief',
        'Verificatiestatus bevestigd',
        'Begin 10 september 2024',
      ],
    ],
    [
      'Goal-meso-demo-client-1-goal-1.json',
      [
        'Doel Mevrouw blijft veilig thuis wonen',
        'Status actief',
        'lopen: lichte beperking (streefdatum 14 december 2026)',
      ],
    ],
    [
      'ServiceRequest-meso-demo-client-1-elv-aanvraag-servicerequest.json',
      [
        'Verwijzing',
        'Soort Aanvraag eerstelijnsverblijf (ELV)',
        'Status ingetrokken',
        'Datum 5 oktober 2026',
        'Verwijzer Jeroen Wierenga, Huisarts',
        'Uitvoerder Coördinatiepunt Eerstelijnsverblijf Drenthe',
      ],
    ],
    [
      'Task-meso-demo-client-1-elv-aanvraag-task.json',
      [
        'Status afgewezen',
        'Reden van afwijzing Geen bed beschikbaar: Alle ELV-bedden in de regio bezet tot 12 oktober',
        'Aangemaakt 5 oktober 2026 om 09:30',
        'Ontvanger Coördinatiepunt Eerstelijnsverblijf Drenthe',
      ],
    ],
    ['Task-meso-demo-client-2-aanmelding-task.json', ['Status geaccepteerd']],
    [
      'Observation-meso-demo-client-3-barthel.json',
      [
        'Meting Barthel-index',
        'Waarde 8',
        'Status definitief',
        'Datum 20 januari 2026',
        'BarthelIndex Darm: Continent',
      ],
    ],
    [
      'Consent-meso-demo-client-1-wilsverklaring.json',
      [
        'Wilsverklaring',
        'Betreft Niet reanimeren verklaring',
        'Status actief',
        'Datum 6 april 2026',
        'responsible party: Marian Bakker',
        'Toelichting Besproken in het gesprek over proactieve zorgplanning',
      ],
    ],
  ])('%s shows the Dutch labels and values', (file, expected) => {
    const text = shownText(fixture(file));
    for (const part of expected) expect(text).toContain(part);
  });

  it('assembles the name from its parts when HumanName.text is absent', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      name: [
        { use: 'usual', given: ['Henk'] },
        { use: 'official', given: ['Hendrik', 'Jan'], family: 'de Vries' },
      ],
      gender: 'unknown',
    };
    expect(shownText(patient)).toBe('Cliënt Naam Hendrik Jan de Vries Roepnaam Henk Geslacht onbekend');
  });

  it('names a treatment limit (behandelgrens) and keeps its modifier extension', () => {
    const text = shownText({
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }],
      },
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '129125009' }] }],
      modifierExtension: [
        {
          url: 'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.SpecificationOther',
          valueString: 'Alleen na overleg met de dochter',
        },
      ],
      provision: { type: 'deny', code: [{ text: 'Ziekenhuisopname' }] },
    });
    expect(text).toContain('Behandelgrens Betreft Ziekenhuisopname Besluit niet toegestaan');
    expect(text).toContain('Voorwaarden Alleen na overleg met de dochter');
  });

  it('shows a reference by display or identifier, never by its technical id', () => {
    const text = shownText({
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/meso-demo-client-1-patient' },
      requester: { identifier: { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '01012345' } },
      reasonReference: [{ reference: 'Condition/meso-demo-client-1-problem-1' }],
    });
    expect(text).toBe('Verwijzing Status actief Verwijzer AGB 01012345');
  });

  it('has no generator for other resource types', () => {
    const event: AuditEvent = {
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: '2026-01-01T00:00:00Z',
      agent: [],
      source: { observer: {} },
    };
    expect(generateNarrative(event)).toBeUndefined();
  });
});

describe('escaping hostile input', () => {
  it('escapes markup in a patient name', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      name: [{ text: '<script>alert("x")</script> & co' }],
    };
    const div = generateNarrative(patient)?.div ?? '';
    expect(div).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(div).not.toContain('<script');
    expect(checkNarrativeDiv(div)).toContain('<script>alert("x")</script> & co');
  });

  it.each(fixtureFiles())(
    '%s with every string replaced by hostile input stays safe and well-formed',
    (file) => {
      const resource = poisoned(fixture(file)) as Resource;
      const div = generateNarrative(resource)?.div ?? '';
      expect(div).not.toMatch(/<script|<img/);
      expect(div).not.toContain('\u0001');
      expect(checkNarrativeDiv(div)).toContain(`<script>alert("x")</script> & 'Jan'`);
    },
  );
});

describe('withNarrative', () => {
  it('adds the generated text without changing the input', () => {
    const patient = fixture<Patient>('Patient-meso-demo-client-1-patient.json');
    const result = withNarrative(patient);
    expect(result.text?.status).toBe('generated');
    expect(result.text?.div).toContain('BSN 999911120');
    expect(patient.text).toBeUndefined();
    expect({ ...result, text: undefined }).toEqual({ ...patient, text: undefined });
  });

  it('regenerates a generated text, so it follows changed data', () => {
    const patient = fixture<Patient>('Patient-meso-demo-client-1-patient.json');
    const stale = { ...withNarrative(patient), birthDate: '1941-06-02' };
    const refreshed = withNarrative(stale);
    expect(refreshed.text?.div).toContain('2 juni 1941');
    expect(refreshed.text?.div).not.toContain(withNarrative(patient).text?.div.match(/\d+ \w+ 19\d\d/)?.[0]);
  });

  it('never overwrites a text written by its author', () => {
    const text = {
      status: 'additional' as const,
      div: '<div xmlns="http://www.w3.org/1999/xhtml">Eigen tekst</div>',
    };
    const task: Task = { ...fixture<Task>('Task-meso-demo-client-2-aanmelding-task.json'), text };
    expect(withNarrative(task)).toBe(task);
    expect(withNarrative(task).text).toBe(text);
  });

  it('returns resources without a generator unchanged', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'collection' };
    expect(withNarrative(bundle)).toBe(bundle);
  });
});

/** Every path of a resource (list items included), as keys from the root. */
function* pathsOf(value: unknown, path: (string | number)[] = []): Generator<(string | number)[]> {
  if (path.length) yield path;
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* pathsOf(value[i], [...path, i]);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) if (k !== 'resourceType') yield* pathsOf(v, [...path, k]);
}

function replaced(resource: Resource, path: (string | number)[], value: unknown): Resource {
  const copy = structuredClone(resource) as unknown as Record<string | number, unknown>;
  let holder = copy;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  holder[path[path.length - 1]] = value;
  return copy as unknown as Resource;
}

const WRONG_KINDS: unknown[] = ['x', 19340428, true, null, [], {}, [null], ['Jansen'], [5], [[1]], { x: 1 }];

describe('generateNarrative on JSON of the wrong kind', () => {
  // The narrative runs after validation, but must not turn a validator gap into a 500 either.
  it.each(fixtureFiles())('%s: never throws, and what it makes is still valid XHTML', (file) => {
    const resource = fixture(file);
    for (const path of pathsOf(resource)) {
      for (const value of WRONG_KINDS) {
        const mutant = replaced(resource, path, value);
        let text: ReturnType<typeof generateNarrative>;
        try {
          text = generateNarrative(mutant);
        } catch (err) {
          throw new Error(`${path.join('.')} = ${JSON.stringify(value)}: ${String(err)}`);
        }
        if (text) checkNarrativeDiv(text.div);
      }
    }
  });

  it.each<[string, unknown]>([
    ['birthDate', 19340428],
    ['birthDate', { x: 1 }],
    ['name', 'Jansen'],
    ['name', [null]],
    ['identifier', [null]],
  ])('Patient.%s = %j gives a narrative without the malformed part', (key, value) => {
    const patient = { ...fixture<Patient>('Patient-meso-demo-client-1-patient.json'), [key]: value };
    expect(shownText(patient)).toContain('Cliënt');
  });
});
