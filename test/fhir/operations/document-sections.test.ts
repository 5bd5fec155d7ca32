import type { CarePlan, Goal, Resource } from '@medplum/fhirtypes';
import { documentSections } from '../../../src/fhir/operations/document-sections';

const BASE = 'https://fhir.example.org/fhir';
const fullUrl = (r: Resource) => `${BASE}/${r.resourceType}/${r.id}`;
const plan: CarePlan = {
  resourceType: 'CarePlan',
  id: 'p1',
  status: 'active',
  intent: 'plan',
  subject: { reference: 'Patient/x' },
  title: 'Plan <script>alert(1)</script>',
};
const none = { teams: [], problems: [], goals: [], subPlans: [], directives: [] };

describe('documentSections', () => {
  it('gives the six Dutch sections in order; empty ones have an emptyReason, text and no entries', () => {
    const sections = documentSections({ plan, ...none }, fullUrl);
    expect(sections.map((s) => s.title)).toEqual([
      'Team',
      'Problemen',
      'Doelen en wensen',
      'Afspraken en acties',
      'Wilsverklaringen',
      'Evaluatie',
    ]);
    const empty = sections.filter((s) => s.title !== 'Afspraken en acties');
    for (const s of empty) {
      expect(s.entry).toBeUndefined();
      expect(s.emptyReason?.coding?.[0].system).toBe(
        'http://terminology.hl7.org/CodeSystem/list-empty-reason',
      );
      expect(s.text?.status).toBe('generated');
    }
    // No next evaluation date is "unavailable"; no goals recorded is "nilknown".
    expect(sections[5].emptyReason?.coding?.[0].code).toBe('unavailable');
    expect(sections[2].emptyReason?.coding?.[0].code).toBe('nilknown');
  });

  it('references entries by fullUrl and escapes resource text in the narrative', () => {
    const goal: Goal = {
      resourceType: 'Goal',
      id: 'g1',
      lifecycleStatus: 'active',
      subject: { reference: 'Patient/x' },
      description: { text: 'Veilig <thuis> & zelfstandig' },
    };
    const withDate: CarePlan = {
      ...plan,
      extension: [
        {
          url: 'https://meso-zorg.nl/fhir/StructureDefinition/meso-ext-next-evaluation-date',
          valueDate: '2026-12-14',
        },
      ],
    };
    const sections = documentSections({ plan: withDate, ...none, goals: [goal] }, fullUrl);
    expect(sections[2].entry).toEqual([{ reference: `${BASE}/Goal/g1`, type: 'Goal' }]);
    expect(sections[2].text?.div).toContain('Veilig &lt;thuis&gt; &amp; zelfstandig');
    expect(sections[3].text?.div).not.toContain('<script>');
    expect(sections[5].entry).toEqual([{ reference: `${BASE}/CarePlan/p1`, type: 'CarePlan' }]);
    expect(sections[5].text?.div).toContain('Volgende evaluatie: 14 december 2026');
  });
});
