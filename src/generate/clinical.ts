import type { Observation } from '@medplum/fhirtypes';
import { CS, SCT, cc } from './fhir-parts';

/** Clinical vocabulary of generated MESO clients: problems with their domain, goals and Barthel answers. */

const DIAGNOSIS = cc(SCT, '282291009', 'interpretatie van diagnose');
const FUNCTIONAL = cc(SCT, '248536006', 'bevinding van functionele prestatie en activiteit');

export interface ProblemKind {
  system: string;
  code: string;
  display: string;
  domain: readonly [string, string];
  type: typeof DIAGNOSIS;
  goal: string;
}

const somatic = ['somatisch', 'Somatisch'] as const;
const mental = ['psychisch', 'Psychisch'] as const;
const functional = ['functioneel', 'Functioneel'] as const;
const social = ['sociaal', 'Sociaal'] as const;

export const PROBLEMS: readonly ProblemKind[] = [
  {
    system: CS.icpc,
    code: 'P70',
    display: 'Dementie',
    domain: mental,
    type: DIAGNOSIS,
    goal: 'Cliënt houdt structuur in de dag en blijft thuis wonen',
  },
  {
    system: CS.icpc,
    code: 'P76',
    display: 'Depressie',
    domain: mental,
    type: DIAGNOSIS,
    goal: 'Cliënt onderneemt weer wekelijks een activiteit buitenshuis',
  },
  {
    system: CS.icpc,
    code: 'P20',
    display: 'Geheugen-/concentratie-/oriëntatiestoornis',
    domain: mental,
    type: DIAGNOSIS,
    goal: 'Medicatie wordt elke dag op tijd ingenomen',
  },
  {
    system: CS.icpc,
    code: 'K77',
    display: 'Decompensatio cordis',
    domain: somatic,
    type: DIAGNOSIS,
    goal: 'Geen ziekenhuisopname door hartfalen',
  },
  {
    system: CS.icpc,
    code: 'T90',
    display: 'Diabetes mellitus',
    domain: somatic,
    type: DIAGNOSIS,
    goal: 'Bloedsuikers stabiel zonder hypo’s',
  },
  {
    system: CS.icpc,
    code: 'L95',
    display: 'Osteoporose',
    domain: somatic,
    type: DIAGNOSIS,
    goal: 'Pijn onder controle, cliënt komt zelfstandig de dag door',
  },
  {
    system: CS.icpc,
    code: 'K90',
    display: 'Cerebrovasculair accident',
    domain: somatic,
    type: DIAGNOSIS,
    goal: 'Cliënt verplaatst zich veilig binnenshuis',
  },
  {
    system: CS.icpc,
    code: 'R95',
    display: 'Emfyseem/COPD',
    domain: somatic,
    type: DIAGNOSIS,
    goal: 'Minder benauwdheid bij dagelijkse activiteiten',
  },
  {
    system: CS.icf,
    code: 'd450',
    display: 'Lopen',
    domain: functional,
    type: FUNCTIONAL,
    goal: 'Cliënt blijft veilig thuis wonen en valt niet meer',
  },
  {
    system: CS.icf,
    code: 'd510',
    display: 'Zichzelf wassen',
    domain: functional,
    type: FUNCTIONAL,
    goal: 'Cliënt wast zich met lichte hulp zelf',
  },
  {
    system: CS.icf,
    code: 'd640',
    display: 'Huishoudelijke taken uitvoeren',
    domain: functional,
    type: FUNCTIONAL,
    goal: 'Huishouden is geregeld met hulp van anderen',
  },
  {
    system: CS.icf,
    code: 'd910',
    display: 'Gemeenschapsleven',
    domain: social,
    type: FUNCTIONAL,
    goal: 'Cliënt voelt zich minder eenzaam',
  },
];

const BARTHEL_ITEMS: ReadonlyArray<
  readonly [string, string, string, ReadonlyArray<readonly [string, string]>]
> = [
  [
    '4002004',
    'BarthelIndex Darm',
    '1',
    [
      ['FECAL0', 'Incontinent'],
      ['FECAL1', 'Ongelukje'],
      ['FECAL2', 'Continent'],
    ],
  ],
  [
    '4002003',
    'BarthelIndex Blaas',
    '2',
    [
      ['URIN0', 'Incontinent'],
      ['URIN1', 'Ongelukje'],
      ['URIN2', 'Continent'],
    ],
  ],
  [
    '4002005',
    'BarthelIndex UiterlijkeVerzorging',
    '3',
    [
      ['GROOM0', 'Hulp'],
      ['GROOM1', 'Onafhankelijk'],
    ],
  ],
  [
    '4002006',
    'BarthelIndex Toiletgebruik',
    '4',
    [
      ['TOIL0', 'Afhankelijk'],
      ['TOIL1', 'Hulp'],
      ['TOIL2', 'Onafhankelijk'],
    ],
  ],
  [
    '4002007',
    'BarthelIndex Eten',
    '5',
    [
      ['FEED0', 'Niet zelfstandig'],
      ['FEED1', 'Hulp'],
      ['FEED2', 'Onafhankelijk'],
    ],
  ],
  [
    '4002008',
    'BarthelIndex Transfers',
    '6',
    [
      ['TRANS0', 'Niet zelfstandig'],
      ['TRANS1', 'Veel hulp'],
      ['TRANS2', 'Weinig hulp'],
      ['TRANS3', 'Onafhankelijk'],
    ],
  ],
  [
    '4002009',
    'BarthelIndex Mobiliteit',
    '7',
    [
      ['MOBIL0', 'Afhankelijk'],
      ['MOBIL1', 'Onafhankelijk met rolstoel'],
      ['MOBIL2', 'Loopt met hulp'],
      ['MOBIL3', 'Onafhankelijk'],
    ],
  ],
  [
    '4002010',
    'BarthelIndex AanUitkleden',
    '8',
    [
      ['DRESS0', 'Afhankelijk'],
      ['DRESS1', 'Hulp'],
      ['DRESS2', 'Onafhankelijk'],
    ],
  ],
  [
    '4002011',
    'BarthelIndex TrappenLopen',
    '9',
    [
      ['CLIMB0', 'Afhankelijk'],
      ['CLIMB1', 'Hulp'],
      ['CLIMB2', 'Onafhankelijk'],
    ],
  ],
  [
    '4002012',
    'BarthelIndex BadenDouchen',
    '10',
    [
      ['BATH0', 'Afhankelijk'],
      ['BATH1', 'Onafhankelijk'],
    ],
  ],
];

/** Barthel ADL index components for answer indexes drawn by `draw(n)` (0 ≤ result < n); the total is their sum. */
export function barthelValues(draw: (n: number) => number): Pick<Observation, 'valueInteger' | 'component'> {
  let total = 0;
  const component = BARTHEL_ITEMS.map(([code, display, oid, answers]) => {
    const [answer, label] = answers[draw(answers.length)];
    // The item score is the digit that ends the answer code.
    total += Number(answer.slice(-1));
    return {
      code: cc('urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.0.1', code, display),
      valueCodeableConcept: cc(`urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.1.${oid}`, answer, label),
    };
  });
  return { valueInteger: total, component };
}
