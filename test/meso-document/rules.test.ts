import { validateMesoDocument } from '../../src/meso-document/validate';
import { example } from './examples';

/* eslint-disable @typescript-eslint/no-explicit-any -- mutating parsed JSON at known paths */

function errorsOf(doc: unknown) {
  const result = validateMesoDocument(doc);
  if (result.valid) throw new Error('expected the document to be invalid');
  return result.errors;
}

describe('MESO care-plan document: rules beyond the schema', () => {
  it('a BSN failing the 11-proef points at client/bsn', () => {
    const doc = example('eenvoudig') as any;
    doc.client.bsn = '999970009';
    expect(errorsOf(doc)).toEqual([
      {
        pointer: '/client/bsn',
        message: 'client/bsn: BSN fails the 11-proef; a BSN must be 9 digits and pass the 11-proef',
      },
    ]);
  });

  it('references by id must resolve, each at its own pointer', () => {
    const doc = example('escalatie-wilsverklaring') as any;
    doc.actions[1].responsible = 'so-onbekend';
    doc.escalations[0].problemIds[1] = 'delier';
    doc.goals.now[0].problemIds = ['vallen'];
    doc.advanceDirectives.directives[0].representativeId = 'dochter';
    doc.advanceDirectives.treatmentLimits[1].directiveId = 'behandelverbod';
    doc.actions[0].goalIds = ['thuis-sterven', 'mobiliteit'];
    expect(errorsOf(doc).map((e) => [e.pointer, e.message])).toEqual([
      [
        '/actions/0/goalIds/1',
        'actions/0/goalIds/1: "mobiliteit" is not the id of a goal (goals) in this document',
      ],
      ['/actions/1/responsible', expect.stringContaining('"so-onbekend" is not the id of a team member')],
      ['/escalations/0/problemIds/1', expect.stringContaining('"delier" is not the id of a problem')],
      ['/goals/now/0/problemIds/0', expect.stringContaining('"vallen" is not the id of a problem')],
      ['/advanceDirectives/directives/0/representativeId', expect.stringContaining('a relative (relatives)')],
      ['/advanceDirectives/treatmentLimits/1/directiveId', expect.stringContaining('an advance directive')],
    ]);
  });

  it('an ELV episode refers to an elv-aanvraag, not to another escalation', () => {
    const doc = example('elv-episode') as any;
    doc.escalations[0].kind = 'escalatie-advies';
    expect(errorsOf(doc).map((e) => e.pointer)).toEqual(['/elvEpisodes/0/referralId']);
  });

  it('ids are unique per kind: the duplicate is reported', () => {
    const doc = example('eenvoudig') as any;
    doc.problems.functioneel[0].id = 'hartfalen';
    doc.goals.now[0].problemIds = ['hartfalen'];
    expect(errorsOf(doc)).toEqual([
      {
        pointer: '/problems/functioneel/0/id',
        message: 'problems/functioneel/0/id: duplicate problem id "hartfalen": ids must be unique',
      },
    ]);
  });

  it('one regiebehandelaar, and the trajectory names that member', () => {
    const doc = example('eenvoudig') as any;
    doc.team.members[1].role = 'regiebehandelaar';
    doc.trajectory.regiebehandelaar = 'ha-mulder';
    expect(errorsOf(doc).map((e) => [e.pointer, e.message])).toEqual([
      ['/team/members/1/role', 'team/members/1/role: a team has at most one regiebehandelaar'],
      [
        '/trajectory/regiebehandelaar',
        'trajectory/regiebehandelaar: team member "ha-mulder" has role "huisarts", not regiebehandelaar',
      ],
    ]);
  });

  it('a period ends on or after its start', () => {
    const doc = example('elv-episode') as any;
    doc.elvEpisodes[0].end = '2026-11-01';
    doc.trajectory.end = '2026-09-30';
    expect(errorsOf(doc).map((e) => [e.pointer, e.message])).toEqual([
      ['/trajectory/end', expect.stringContaining('end (2026-09-30) is before start')],
      ['/elvEpisodes/0/end', 'elvEpisodes/0/end: end (2026-11-01) is before start (2026-11-28)'],
    ]);
  });
});
