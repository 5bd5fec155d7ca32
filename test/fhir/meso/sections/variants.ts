import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { example, valid } from './support';

/**
 * Documents with the optional clinical parts filled in differently from the examples: absent optionals,
 * several items per group, every status and code the mapping tables know, repeated domains and treatments.
 */
export function variants(): Array<[string, MesoCarePlanDocument]> {
  const base = () => example('escalatie-wilsverklaring');
  const rich = base();
  rich.trajectory = { ...rich.trajectory, status: 'onderbroken', end: '2027-06-30' };
  delete rich.escalations;
  rich.evaluation = { lastEvaluationDate: '2026-11-12', nextEvaluationDate: '2027-02-01' };
  rich.problems = {
    functioneel: [
      {
        id: 'lopen',
        code: { system: 'http://hl7.org/fhir/sid/icf-nl', code: 'd450', display: 'Lopen' },
        status: 'niet-actueel',
      },
      {
        id: 'vallen',
        code: { system: 'http://snomed.info/sct', code: '129839007', display: 'Valrisico' },
        status: 'opgelost',
        onsetDate: '2025-01-02',
        note: 'Geen val meer sinds de rollator.',
      },
    ],
    sociaal: [],
    psychisch: [
      {
        id: 'dementie',
        code: { system: 'http://hl7.org/fhir/sid/icpc-1-nl', code: 'P70', display: 'Dementie' },
        status: 'actueel',
      },
    ],
  };
  rich.goals = {
    later: [
      {
        id: 'thuis',
        kind: 'wens',
        description: 'Thuis blijven wonen.',
        target: {
          description: 'Woont thuis',
          code: { system: 'http://snomed.info/sct', code: '160903007', display: 'Woont zelfstandig' },
        },
        status: 'voorgesteld',
        problemIds: ['lopen', 'vallen', 'dementie'],
      },
      {
        id: 'g-bereikt',
        kind: 'doel',
        description: 'Bereikt.',
        target: { description: 'Ja' },
        dueDate: '2026-10-01',
        status: 'bereikt',
      },
      {
        id: 'g-niet',
        kind: 'doel',
        description: 'Niet bereikt.',
        target: { description: 'Nee' },
        status: 'niet-bereikt',
      },
      {
        id: 'g-vervallen',
        kind: 'wens',
        description: 'Vervallen.',
        target: { description: '-' },
        status: 'vervallen',
        problemIds: ['vallen'],
      },
    ],
  };
  rich.circumstances = {
    livingSituation: { houseType: 'seniorenwoning', livesAlone: false },
    functionalStatus: [
      { domain: 'mobiliteit', finding: 'Rollator binnen.' },
      {
        domain: 'continentie',
        finding: 'Incontinent voor urine.',
        code: { system: 'http://snomed.info/sct', code: '165232002', display: 'Urine-incontinentie' },
      },
      { domain: 'mobiliteit', finding: 'Buiten rolstoel.' },
      { domain: 'voeding', finding: 'Eet zelfstandig.' },
    ],
    mentalStatus: [
      { domain: 'orientatie', finding: 'Gedesoriënteerd in tijd.' },
      { domain: 'stemming', finding: 'Somber.' },
      { domain: 'orientatie', finding: 'Herkent eigen huis.' },
    ],
    barthel: { score: 0, date: '2026-11-01' },
  };
  rich.advanceDirectives = {
    directives: [
      { id: 'vol', type: 'VOL', date: '2024-01-01', representativeId: 'zoon-kuiper' },
      { id: 'verb', type: 'VERB', date: '2024-02-02' },
    ],
    treatmentLimits: [
      {
        treatment: 'ic-opname',
        permitted: 'JA',
        restrictions: 'Alleen kort.',
        verificationDate: '2026-01-01',
        agreedWith: 'client',
      },
      { treatment: 'antibiotica', permitted: 'JA', verificationDate: '2026-01-01' },
      {
        treatment: 'antibiotica',
        permitted: 'NEE',
        restrictions: 'Niet bij longontsteking.',
        verificationDate: '2026-02-01',
        agreedWith: 'vertegenwoordiger',
        directiveId: 'verb',
      },
      {
        treatment: 'overig',
        otherTreatment: 'Sondevoeding',
        permitted: 'NEE',
        verificationDate: '2026-01-01',
      },
      {
        treatment: 'overig',
        otherTreatment: 'Dialyse / nierfunctie',
        permitted: 'JA_MAAR',
        restrictions: 'Na overleg.',
        verificationDate: '2026-01-01',
        agreedWith: 'client-en-naaste',
        directiveId: 'vol',
      },
      {
        treatment: 'bloedtransfusie',
        permitted: 'JA_MAAR',
        restrictions: 'Eenmalig.',
        verificationDate: '2026-01-01',
      },
    ],
  };
  rich.goals.now = [
    { id: 'nu-1', kind: 'doel', description: 'Nu.', target: { description: 'Nu' }, status: 'actief' },
  ];
  rich.actions = [
    {
      id: 'gecodeerd',
      description: 'Fysiotherapie',
      code: { system: 'http://snomed.info/sct', code: '91251008', display: 'Fysiotherapie' },
      responsible: 'wv-de-boer',
      start: '2026-11-01',
      end: '2027-01-01',
      frequency: '2x per week',
      status: 'lopend',
      goalIds: ['nu-1', 'thuis'],
    },
    {
      id: 'klaar',
      description: 'Klaar.',
      responsible: 'ha-mulder',
      start: '2026-10-01',
      end: '2026-10-02',
      status: 'afgerond',
    },
    {
      id: 'weg',
      description: 'Geannuleerd.',
      responsible: 'vs-postma',
      start: '2026-10-01',
      frequency: 'dagelijks',
      status: 'geannuleerd',
    },
  ];

  const bare = base();
  for (const k of [
    'circumstances',
    'problems',
    'goals',
    'advanceDirectives',
    'actions',
    'escalations',
  ] as const)
    delete bare[k];
  bare.trajectory = { ...bare.trajectory, status: 'gepland' };

  const empty = base();
  empty.problems = {};
  empty.goals = { now: [] };
  empty.circumstances = { functionalStatus: [] };
  empty.advanceDirectives = { treatmentLimits: [] };
  empty.actions = [];
  empty.escalations = [];
  empty.trajectory = { ...empty.trajectory, status: 'afgerond', end: '2027-01-01' };

  const other = base();
  other.trajectory = { ...other.trajectory, status: 'geannuleerd' };
  other.circumstances = {
    livingSituation: { houseType: 'woonzorgcentrum', livesAlone: true, description: 'Kamer 12.' },
  };
  const overig = base();
  overig.circumstances = {
    livingSituation: { houseType: 'overig', livesAlone: false },
    barthel: { score: 20, date: '2026-01-01' },
  };
  overig.advanceDirectives = {
    directives: [{ id: 'do', type: 'DO', date: '2020-01-01', comment: 'Donorregister.' }],
  };

  return [
    ['rich', valid(rich)],
    ['bare', valid(bare)],
    ['empty groups', valid(empty)],
    ['woonzorgcentrum', valid(other)],
    ['overig', valid(overig)],
  ];
}
