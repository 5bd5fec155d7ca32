import type { CarePlan, Resource } from '@medplum/fhirtypes';
import { keyOf } from '../../../src/kernel/reference';
import {
  isZorgbehandelplan,
  resolvePlanGraph,
  type PlanResolver,
} from '../../../src/fhir/narrative/plan-graph';
import { zorgbehandelplanNarrative } from '../../../src/fhir/narrative/zorgbehandelplan-narrative';
import { checkNarrativeDiv } from './xhtml-check';

const SCT = 'http://snomed.info/sct';
const NEXT_EVALUATION = 'https://meso-zorg.nl/fhir/StructureDefinition/meso-ext-next-evaluation-date';

/** A small plan graph (fictional persons), as the store would hold it after a MESO import. */
function world(): Resource[] {
  return [
    { resourceType: 'Patient', id: 'p1', name: [{ text: 'Truus Bakker-Hoekstra' }] },
    {
      resourceType: 'Practitioner',
      id: 'so',
      name: [{ given: ['Ingrid'], family: 'van der Veen' }],
    },
    { resourceType: 'Organization', id: 'meso', name: 'MESO Ouderenzorg Midden-Drenthe' },
    {
      resourceType: 'PractitionerRole',
      id: 'so-role',
      practitioner: { reference: 'Practitioner/so', display: 'I. van der Veen' },
      organization: { reference: 'Organization/meso' },
      specialty: [{ coding: [{ code: '01.047', display: 'Specialist ouderengeneeskunde' }] }],
      telecom: [{ system: 'phone', value: '0593-123456' }],
    },
    {
      resourceType: 'RelatedPerson',
      id: 'dochter',
      patient: { reference: 'Patient/p1' },
      name: [{ text: 'Marian Bakker' }],
      relationship: [{ text: 'dochter' }],
    },
    {
      resourceType: 'CareTeam',
      id: 'team',
      participant: [
        { role: [{ text: 'Regiebehandelaar' }], member: { reference: 'PractitionerRole/so-role' } },
        { member: { reference: 'RelatedPerson/dochter' } },
      ],
    },
    {
      resourceType: 'Condition',
      id: 'dementie',
      subject: { reference: 'Patient/p1' },
      code: { text: 'Dementie' },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
    },
    {
      resourceType: 'Goal',
      id: 'g1',
      lifecycleStatus: 'active',
      subject: { reference: 'Patient/p1' },
      description: { text: 'Mevrouw blijft veilig thuis wonen' },
      target: [{ dueDate: '2026-12-14' }],
    },
    {
      resourceType: 'ServiceRequest',
      id: 'fysio',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      code: { text: 'Valpreventietraining' },
      performer: [{ reference: 'PractitionerRole/so-role' }],
    },
    {
      resourceType: 'Consent',
      id: 'nr',
      status: 'active',
      scope: { coding: [{ code: 'treatment' }] },
      category: [{ text: 'Behandelgrens' }],
      patient: { reference: 'Patient/p1' },
      dateTime: '2026-04-06',
      provision: { type: 'deny', code: [{ text: 'Reanimatie' }] },
    },
    {
      resourceType: 'Consent',
      id: 'old',
      status: 'inactive',
      scope: { coding: [{ code: 'treatment' }] },
      category: [{ text: 'Behandelgrens' }],
      patient: { reference: 'Patient/p1' },
      provision: { type: 'deny', code: [{ text: 'Beademing (ingetrokken)' }] },
    },
    {
      resourceType: 'CarePlan',
      id: 'hulp',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p1' },
      partOf: [{ reference: 'CarePlan/plan' }],
      activity: [
        {
          detail: {
            status: 'in-progress',
            description: 'Boodschappen en medicatie klaarzetten',
            performer: [{ reference: 'RelatedPerson/dochter' }],
          },
        },
      ],
    },
  ] as Resource[];
}

const plan = (overrides: Partial<CarePlan> = {}): CarePlan => ({
  resourceType: 'CarePlan',
  id: 'plan',
  status: 'active',
  intent: 'plan',
  category: [{ coding: [{ system: SCT, code: '135411000146103' }] }],
  title: 'Zorgbehandelplan Truus Bakker-Hoekstra',
  extension: [{ url: NEXT_EVALUATION, valueDate: '2026-12-14' }],
  subject: { reference: 'Patient/p1' },
  careTeam: [{ reference: 'CareTeam/team' }],
  addresses: [{ reference: 'Condition/dementie' }, { reference: 'Condition/unknown', display: 'Vallen' }],
  goal: [{ reference: 'Goal/g1' }],
  activity: [{ reference: { reference: 'ServiceRequest/fysio' } }],
  ...overrides,
});

/** An in-memory resolver: reads by key, part-of and patient searches as the store would answer them. */
function resolver(resources: Resource[]): PlanResolver & { reads: number } {
  const byKey = new Map(resources.map((r) => [keyOf(r), r]));
  const state = {
    reads: 0,
    async readMany(keys: readonly string[]) {
      state.reads++;
      return keys.map((k) => byKey.get(k)).filter((r): r is Resource => r !== undefined);
    },
    async search(resourceType: string, params: ReadonlyArray<[string, string]>) {
      const [[name, value]] = params;
      return resources.filter((r) => {
        if (r.resourceType !== resourceType) return false;
        if (name === 'part-of') return (r as CarePlan).partOf?.some((p) => p.reference === value);
        if (name === 'patient')
          return (r as { patient?: { reference?: string } }).patient?.reference === value;
        return false;
      });
    },
  };
  return state;
}

async function render(resources: Resource[], carePlan = plan()): Promise<string> {
  const graph = await resolvePlanGraph(carePlan, resolver(resources));
  const text = zorgbehandelplanNarrative(graph);
  expect(text.status).toBe('generated');
  return text.div;
}

describe('the zorgbehandelplan narrative', () => {
  it('recognises the zorgbehandelplan by its SNOMED category', () => {
    expect(isZorgbehandelplan(plan())).toBe(true);
    expect(isZorgbehandelplan(plan({ category: [{ coding: [{ system: SCT, code: '243114000' }] }] }))).toBe(
      false,
    );
  });

  it('summarises team and roles with contact details, problems, goals, actions, limits and the evaluation', async () => {
    const text = checkNarrativeDiv(await render(world()));
    expect(text).toContain('Zorgbehandelplan Truus Bakker-Hoekstra');
    expect(text).toContain(
      'Regiebehandelaar: Ingrid van der Veen (Specialist ouderengeneeskunde, MESO Ouderenzorg Midden-Drenthe), tel. 0593-123456',
    );
    expect(text).toContain('dochter: Marian Bakker');
    expect(text).toContain('Dementie (actief)');
    // A problem that is referenced but not (yet) stored is still named by its display.
    expect(text).toContain('Vallen');
    expect(text).toContain('Mevrouw blijft veilig thuis wonen (actief, streefdatum 14 december 2026)');
    expect(text).toContain('Valpreventietraining; verantwoordelijk: Ingrid van der Veen');
    expect(text).toContain('Boodschappen en medicatie klaarzetten; verantwoordelijk: Marian Bakker; lopend');
    expect(text).toContain('Behandelgrens: Reanimatie (niet toegestaan), vastgelegd 6 april 2026');
    // Only active directives are shown.
    expect(text).not.toContain('Beademing');
    expect(text).toMatch(/Volgende evaluatie\s*14 december 2026/);
    for (const label of ['Zorgteam', 'Problemen', 'Doelen en wensen', 'Afspraken en acties'])
      expect(text).toContain(label);
  });

  it('reads the graph one level at a time', async () => {
    const r = resolver(world());
    await resolvePlanGraph(plan(), r);
    // plan refs → team, problems, goals, requests → members → practitioner, organisation
    expect(r.reads).toBeLessThanOrEqual(4);
  });

  it('escapes script and markup in every value taken from the data', async () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & co';
    const resources = world().map((r) => {
      if (r.resourceType === 'Goal') return { ...r, description: { text: hostile } };
      if (r.resourceType === 'Practitioner') return { ...r, name: [{ text: hostile }] };
      if (r.resourceType === 'Consent')
        return { ...r, provision: { type: 'deny', code: [{ text: hostile }] } };
      return r;
    }) as Resource[];
    const div = await render(resources, plan({ title: hostile, description: hostile }));
    expect(div).not.toMatch(/<script|<img/i);
    expect(div).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const text = checkNarrativeDiv(div);
    expect(text.split(hostile).length - 1).toBeGreaterThanOrEqual(4);
  });

  it('survives JSON of the wrong kind in the graph', async () => {
    const broken = world().map((r) =>
      r.resourceType === 'CareTeam' ? ({ ...r, participant: 'x' } as unknown as Resource) : r,
    );
    const text = checkNarrativeDiv(await render(broken, plan({ activity: [null as never] })));
    expect(text).toContain('Dementie');
  });
});
