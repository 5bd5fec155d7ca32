import fc from 'fast-check';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { actionsSection } from '../../../../src/fhir/meso/sections/actions';
import { carePlanSection } from '../../../../src/fhir/meso/sections/care-plan';
import { circumstancesSection } from '../../../../src/fhir/meso/sections/circumstances';
import { directivesSection } from '../../../../src/fhir/meso/sections/directives';
import { goalsSection } from '../../../../src/fhir/meso/sections/goals';
import { problemsSection } from '../../../../src/fhir/meso/sections/problems';
import type {
  Action,
  AdvanceDirective,
  Goal,
  MesoCarePlanDocument,
  Problem,
  TreatmentLimit,
} from '../../../../src/meso-document/document';
import { validateMesoDocument } from '../../../../src/meso-document/validate';
import { example, fields, graphOf } from './support';

/**
 * Property: for generated clinical parts (problems, goals, circumstances, directives and treatment limits,
 * actions, evaluation) on one client and team, the six sections give back the normalised document.
 */

const SECTIONS = [
  carePlanSection,
  problemsSection,
  goalsSection,
  circumstancesSection,
  directivesSection,
  actionsSection,
];
const OWNED = ['evaluation', 'problems', 'goals', 'circumstances', 'advanceDirectives', 'actions'] as const;

const BASE = example('escalatie-wilsverklaring');
delete BASE.escalations;
const MEMBERS = BASE.team.members.map((m) => m.id);
const RELATIVES = (BASE.relatives ?? []).map((r) => r.id);

const text = fc.string({ minLength: 1, maxLength: 12 });
const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/);
const date = fc
  .integer({ min: 0, max: 3000 })
  .map((d) => new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10));
const coding = fc.record({
  system: fc.constantFrom(
    'http://snomed.info/sct',
    'http://hl7.org/fhir/sid/icpc-1-nl',
    'http://hl7.org/fhir/sid/icf-nl',
  ),
  code: fc.stringMatching(/^[A-Za-z0-9.]{1,8}$/),
  display: text,
});
const opt = { requiredKeys: [] as never[] };
const subset = (ids: string[]) => fc.subarray(ids).map((s) => (s.length ? s : undefined));
const noUndefined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const problem = fc.record(
  {
    id,
    code: coding,
    status: fc.constantFrom<Problem['status']>('actueel', 'niet-actueel', 'opgelost'),
    onsetDate: date,
    note: text,
  },
  { requiredKeys: ['id', 'code', 'status'] },
);
const domain = fc.constantFrom('somatisch', 'functioneel', 'psychisch', 'sociaal');

const goal = (problemIds: string[]) =>
  fc
    .record({
      id,
      kind: fc.constantFrom<Goal['kind']>('wens', 'doel'),
      description: text,
      target: fc.record({ description: text, code: coding }, { requiredKeys: ['description'] }),
      dueDate: fc.option(date, { nil: undefined }),
      status: fc.constantFrom<Goal['status']>(
        'voorgesteld',
        'actief',
        'bereikt',
        'niet-bereikt',
        'vervallen',
      ),
      problemIds: subset(problemIds),
      later: fc.boolean(),
    })
    .map(noUndefined);

const finding = <D extends string>(domains: D[]) =>
  fc.record(
    { domain: fc.constantFrom(...domains), finding: text, code: coding },
    { requiredKeys: ['domain', 'finding'] },
  );

const circumstances = fc.record(
  {
    livingSituation: fc.record(
      {
        houseType: fc.constantFrom(
          'eengezinswoning',
          'appartement',
          'seniorenwoning',
          'aanleunwoning',
          'woonzorgcentrum',
          'overig',
        ),
        livesAlone: fc.boolean(),
        description: text,
      },
      { requiredKeys: ['houseType', 'livesAlone'] },
    ),
    functionalStatus: fc.array(
      finding(['mobiliteit', 'zelfzorg', 'huishouden', 'communicatie', 'continentie', 'voeding']),
      { maxLength: 4 },
    ),
    mentalStatus: fc.array(finding(['cognitie', 'stemming', 'gedrag', 'bewustzijn', 'orientatie']), {
      maxLength: 4,
    }),
    barthel: fc.record({ score: fc.integer({ min: 0, max: 20 }), date }),
  },
  opt,
);

const directive = fc
  .record({
    id,
    type: fc.constantFrom<AdvanceDirective['type']>(
      'NR',
      'VOL',
      'VERB',
      'VERBVL',
      'MON',
      'EU',
      'EUD',
      'LW',
      'DO',
      'ZB',
    ),
    date,
    representativeId: fc.option(fc.constantFrom(...RELATIVES), { nil: undefined }),
    comment: fc.option(text, { nil: undefined }),
  })
  .map(noUndefined);

const limit = (directiveIds: string[]) =>
  fc
    .record({
      treatment: fc.constantFrom<TreatmentLimit['treatment']>(
        'reanimatie',
        'beademing',
        'ic-opname',
        'ziekenhuisopname',
        'bloedtransfusie',
        'antibiotica',
        'overig',
      ),
      otherTreatment: fc.option(text, { nil: undefined }),
      permitted: fc.constantFrom<TreatmentLimit['permitted']>('JA', 'NEE', 'JA_MAAR'),
      restrictions: fc.option(text, { nil: undefined }),
      verificationDate: date,
      agreedWith: fc.option(fc.constantFrom('client', 'vertegenwoordiger', 'client-en-naaste'), {
        nil: undefined,
      }),
      directiveId: directiveIds.length
        ? fc.option(fc.constantFrom(...directiveIds), { nil: undefined })
        : fc.constant(undefined),
    })
    .map(
      (t) =>
        noUndefined({
          ...t,
          otherTreatment: t.treatment === 'overig' ? (t.otherTreatment ?? 'Anders') : t.otherTreatment,
          restrictions: t.permitted === 'JA_MAAR' ? (t.restrictions ?? 'Met beperking') : t.restrictions,
        }) as TreatmentLimit,
    );

const action = (goalIds: string[]) =>
  fc
    .record({
      id,
      description: text,
      code: fc.option(coding, { nil: undefined }),
      responsible: fc.constantFrom(...MEMBERS),
      start: date,
      days: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      frequency: fc.option(text, { nil: undefined }),
      status: fc.constantFrom<Action['status']>('gepland', 'lopend', 'afgerond', 'geannuleerd'),
      goalIds: subset(goalIds),
    })
    .map(({ days, ...a }) => {
      const end =
        days === undefined
          ? undefined
          : new Date(Date.parse(a.start) + days * 86_400_000).toISOString().slice(0, 10);
      return noUndefined({ ...a, end }) as Action;
    });

const documents = fc
  .record({
    problems: fc.uniqueArray(fc.tuple(domain, problem), { selector: ([, p]) => p.id, maxLength: 5 }),
    directives: fc.uniqueArray(directive, { selector: (d) => d.id, maxLength: 3 }),
    circumstances: fc.option(circumstances, { nil: undefined }),
    evaluation: fc.record(
      { lastEvaluationDate: date, nextEvaluationDate: date, note: text },
      { requiredKeys: ['nextEvaluationDate'] },
    ),
    status: fc.constantFrom('gepland', 'actief', 'onderbroken', 'afgerond', 'geannuleerd' as const),
  })
  .chain((parts) => {
    const problemIds = parts.problems.map(([, p]) => p.id);
    return fc
      .uniqueArray(goal(problemIds), { selector: (g) => g.id, maxLength: 4 })
      .chain((goals) =>
        fc.record({
          goals: fc.constant(goals),
          limits: fc.array(limit(parts.directives.map((d) => d.id)), { maxLength: 5 }),
          actions: fc.uniqueArray(action(goals.map((g) => g.id)), { selector: (a) => a.id, maxLength: 4 }),
        }),
      )
      .map((rest) => build(parts, rest));
  });

function build(
  parts: {
    problems: Array<[string, Problem]>;
    directives: AdvanceDirective[];
    circumstances?: MesoCarePlanDocument['circumstances'];
    evaluation: MesoCarePlanDocument['evaluation'];
    status: MesoCarePlanDocument['trajectory']['status'];
  },
  rest: { goals: Array<Goal & { later: boolean }>; limits: TreatmentLimit[]; actions: Action[] },
): MesoCarePlanDocument {
  const problems: Record<string, Problem[]> = {};
  for (const [d, p] of parts.problems) (problems[d] ??= []).push(p);
  const strip = ({ later: _later, ...g }: Goal & { later: boolean }): Goal => g;
  return {
    ...structuredClone(BASE),
    trajectory: {
      ...BASE.trajectory,
      status: parts.status,
      ...(['afgerond', 'geannuleerd'].includes(parts.status) ? { end: '2027-12-31' } : {}),
    },
    problems,
    goals: {
      now: rest.goals.filter((g) => !g.later).map(strip),
      later: rest.goals.filter((g) => g.later).map(strip),
    },
    circumstances: parts.circumstances,
    advanceDirectives: { directives: parts.directives, treatmentLimits: rest.limits },
    actions: rest.actions,
    evaluation: parts.evaluation,
  } as MesoCarePlanDocument;
}

describe('clinical sections round trip (property)', () => {
  it('gives back the normalised clinical parts of any valid document', () => {
    fc.assert(
      fc.property(documents, (doc) => {
        const input = JSON.parse(JSON.stringify(doc)) as MesoCarePlanDocument;
        const result = validateMesoDocument(input);
        fc.pre(result.valid);
        const graph = graphOf(input);
        const back = Object.assign(
          {},
          ...SECTIONS.map((s) => s.fromFhir(graph)),
        ) as Partial<MesoCarePlanDocument>;
        expect(back).toEqual(fields(normalizeDocument(input), ...OWNED));
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 150),
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
      },
    );
  });
});
