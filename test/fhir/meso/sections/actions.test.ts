import type { ServiceRequest } from '@medplum/fhirtypes';
import { itemIdentifier, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { actionsSection } from '../../../../src/fhir/meso/sections/actions';
import { describeSection, example, EXAMPLES } from './support';
import { variants } from './variants';

const docs = [...EXAMPLES.map((n) => [n, example(n)] as [string, ReturnType<typeof example>]), ...variants()];
const STATUS = { gepland: 'draft', lopend: 'active', afgerond: 'completed', geannuleerd: 'revoked' };

describe('actions section', () => {
  describeSection(
    actionsSection,
    ['actions'],
    (doc, planned) => {
      const actions = doc.actions ?? [];
      expect(planned.map((p) => p.key)).toEqual(actions.map((a) => KEY.action(a.id)));
      actions.forEach((a, i) => {
        const r = planned[i].resource as ServiceRequest;
        // Referenced from CarePlan.activity, so not supporting information.
        expect(planned[i].supportingInfo).toBeFalsy();
        expect(r.meta?.profile).toEqual([
          'http://nictiz.nl/fhir/StructureDefinition/nl-core-Procedure-request',
        ]);
        expect(r.identifier).toEqual([itemIdentifier(doc.document.id, planned[i].key)]);
        expect(r).toMatchObject({ status: STATUS[a.status], intent: 'plan' });
        expect(r.subject.reference).toBe(placeholder(KEY.patient));
        expect(r.performer?.map((p) => p.reference)).toEqual([placeholder(KEY.memberRole(a.responsible))]);
        if (a.code) {
          expect(r.code).toEqual({ coding: [a.code], text: a.description });
          expect(r.note).toBeUndefined();
        } else {
          // No text-only code: nl-core binds code required to the verrichtingen lists.
          expect(r.code).toBeUndefined();
          expect(r.note).toEqual([{ text: a.description }]);
        }
        const period = { start: a.start, ...(a.end ? { end: a.end } : {}) };
        if (a.frequency)
          expect(r.occurrenceTiming).toEqual({
            repeat: { boundsPeriod: period },
            code: { text: a.frequency },
          });
        else expect(r.occurrencePeriod).toEqual(period);
        const goals = (r.extension ?? []).filter(
          (e) => e.url === 'http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal',
        );
        expect(goals.map((e) => e.valueReference?.reference)).toEqual(
          (a.goalIds ?? []).map((g) => placeholder(KEY.goal(g))),
        );
      });
    },
    docs,
  );
});
