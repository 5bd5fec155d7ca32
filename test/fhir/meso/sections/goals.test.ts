import type { Goal } from '@medplum/fhirtypes';
import { itemIdentifier, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import {
  EXT_FURTHER_ADDRESSES,
  EXT_TARGET_RESULT,
  goalsSection,
} from '../../../../src/fhir/meso/sections/goals';
import { describeSection, example, EXAMPLES } from './support';
import { variants } from './variants';

const docs = [...EXAMPLES.map((n) => [n, example(n)] as [string, ReturnType<typeof example>]), ...variants()];
const LIFECYCLE = {
  voorgesteld: 'proposed',
  actief: 'active',
  bereikt: 'completed',
  'niet-bereikt': 'completed',
  vervallen: 'cancelled',
};
const CS = 'https://meso-zorg.nl/fhir/CodeSystem/';

describe('goals section', () => {
  describeSection(
    goalsSection,
    ['goals'],
    (doc, planned) => {
      const listed = [
        ...(doc.goals?.now ?? []).map((g) => ({ horizon: 'nu', g })),
        ...(doc.goals?.later ?? []).map((g) => ({ horizon: 'later', g })),
      ];
      expect(planned.map((x) => x.key)).toEqual(listed.map(({ g }) => KEY.goal(g.id)));
      planned.forEach(({ resource, key }, i) => {
        const { horizon, g } = listed[i];
        const goal = resource as Goal;
        expect(goal.identifier).toEqual([itemIdentifier(doc.document.id, key)]);
        expect(goal.lifecycleStatus).toBe(LIFECYCLE[g.status]);
        const achievement = goal.achievementStatus?.coding?.[0].code;
        expect(achievement).toBe({ bereikt: 'achieved', 'niet-bereikt': 'not-achieved' }[g.status as string]);
        expect(goal.category?.map((c) => c.coding?.[0])).toEqual([
          expect.objectContaining({ system: `${CS}goal-horizon`, code: horizon }),
          expect.objectContaining({ system: `${CS}goal-kind`, code: g.kind }),
        ]);
        expect(goal.description.text).toBe(g.description);
        expect(goal.subject.reference).toBe(placeholder(KEY.patient));
        // R4 gol-1: no target.detail without a measure; the intended result is our extension.
        expect(goal.target?.[0].detailCodeableConcept ?? goal.target?.[0].detailString).toBeUndefined();
        expect(goal.target?.[0].extension).toEqual([
          {
            url: EXT_TARGET_RESULT,
            valueCodeableConcept: {
              ...(g.target.code ? { coding: [g.target.code] } : {}),
              text: g.target.description,
            },
          },
        ]);
        expect(goal.target?.[0].dueDate).toBe(g.dueDate);
        const problems = (g.problemIds ?? []).map((p) => placeholder(KEY.problem(p)));
        expect((goal.addresses ?? []).map((r) => r.reference)).toEqual(problems.slice(0, 1));
        const further = (goal.extension ?? []).filter((e) => e.url === EXT_FURTHER_ADDRESSES);
        expect(further.map((e) => e.valueReference?.reference)).toEqual(problems.slice(1));
      });
    },
    docs,
  );
});
