import type { CarePlan } from '@medplum/fhirtypes';
import { MESO_DOCUMENT_SYSTEM, MESO_ITEM_SYSTEM, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { documentToFhir } from '../../../../src/fhir/meso/mapping';
import {
  carePlanSection,
  EXT_LAST_EVALUATION,
  EXT_NEXT_EVALUATION,
} from '../../../../src/fhir/meso/sections/care-plan';
import { describeSection, example, EXAMPLES } from './support';
import { variants } from './variants';

const docs = [...EXAMPLES.map((n) => [n, example(n)] as [string, ReturnType<typeof example>]), ...variants()];
const STATUS = {
  actief: 'active',
  gepland: 'draft',
  onderbroken: 'on-hold',
  afgerond: 'completed',
  geannuleerd: 'revoked',
};

describe('care-plan section', () => {
  describeSection(
    carePlanSection,
    ['evaluation'],
    (doc, planned) => {
      const plan = planned[0].resource as CarePlan;
      expect(planned.map((p) => p.key)).toEqual([KEY.carePlan]);
      expect(plan.identifier).toEqual([
        { system: MESO_DOCUMENT_SYSTEM, value: doc.document.id },
        { system: MESO_ITEM_SYSTEM, value: `${doc.document.id}/CarePlan` },
      ]);
      expect(plan).toMatchObject({
        intent: 'plan',
        status: STATUS[doc.trajectory.status],
        title: 'Zorgbehandelplan',
        category: [{ coding: [{ system: 'http://snomed.info/sct', code: '135411000146103' }] }],
        period: { start: doc.trajectory.start, ...(doc.trajectory.end ? { end: doc.trajectory.end } : {}) },
        subject: { reference: placeholder(KEY.patient) },
        author: { reference: placeholder(KEY.memberRole(doc.trajectory.regiebehandelaar)) },
        careTeam: [{ reference: placeholder(KEY.careTeam) }],
      });
      expect(plan.extension).toContainEqual({
        url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare',
        valueReference: expect.objectContaining({ reference: placeholder(KEY.trajectory) }),
      });
      expect(plan.extension).toContainEqual({
        url: EXT_NEXT_EVALUATION,
        valueDate: doc.evaluation.nextEvaluationDate,
      });
      const last = plan.extension?.find((e) => e.url === EXT_LAST_EVALUATION)?.valueDate;
      expect(last).toBe(doc.evaluation.lastEvaluationDate);
      expect(plan.note?.[0]?.text).toBe(doc.evaluation.note);
      expect(plan.text).toBeUndefined();
      // Links in document order: problems by domain, goals now then later, then the actions.
      const domains = ['somatisch', 'functioneel', 'psychisch', 'sociaal'] as const;
      const problems = domains.flatMap((d) =>
        (doc.problems?.[d] ?? []).map((p) => placeholder(KEY.problem(p.id))),
      );
      expect((plan.addresses ?? []).map((r) => r.reference)).toEqual(problems);
      const goals = [...(doc.goals?.now ?? []), ...(doc.goals?.later ?? [])].map((g) =>
        placeholder(KEY.goal(g.id)),
      );
      expect((plan.goal ?? []).map((r) => r.reference)).toEqual(goals);
      const actions = (doc.actions ?? []).map((a) => placeholder(KEY.action(a.id)));
      expect((plan.activity ?? []).map((a) => a.reference?.reference)).toEqual(actions);
      // Named, so a reader of the plan alone (or its narrative) sees what each link is.
      expect((plan.goal ?? []).map((r) => r.display)).toEqual(
        [...(doc.goals?.now ?? []), ...(doc.goals?.later ?? [])].map((g) => g.description),
      );
      expect((plan.activity ?? []).map((a) => a.reference?.display)).toEqual(
        (doc.actions ?? []).map((a) => a.description),
      );
      expect((plan.addresses ?? []).map((r) => r.display)).toEqual(
        domains.flatMap((d) => (doc.problems?.[d] ?? []).map((p) => p.code.display)),
      );
    },
    docs,
  );

  it('lists every item nothing else references in supportingInfo', () => {
    const planned = documentToFhir(example('escalatie-wilsverklaring'));
    const plan = planned.find((p) => p.key === KEY.carePlan)?.resource as CarePlan;
    const supporting = planned.filter((p) => p.supportingInfo).map((p) => placeholder(p.key));
    expect(supporting.length).toBeGreaterThan(5);
    expect((plan.supportingInfo ?? []).map((r) => r.reference)).toEqual(supporting);
  });

  it('does not change for a new version of the same document', () => {
    const doc = example('eenvoudig');
    const next = {
      ...doc,
      document: { ...doc.document, version: doc.document.version + 1, date: '2027-01-01T10:00:00+01:00' },
    };
    expect(carePlanSection.toFhir(next)).toEqual(carePlanSection.toFhir(doc));
  });
});
