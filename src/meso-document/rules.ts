import { bsnProblem } from '../domain/bsn';
import type { MesoCarePlanDocument } from './document';
import type { DocumentError } from './errors';
import { pointerOf, readablePath } from './pointer';

/**
 * What the schema cannot say: the BSN 11-proef, references between parts of the document (by local id), one
 * regiebehandelaar, and periods that end after they start. Run only on a document that passed the schema.
 */
export function documentRuleErrors(doc: MesoCarePlanDocument): DocumentError[] {
  const errors: DocumentError[] = [];
  const fail = (tokens: Array<string | number>, message: string) => {
    const pointer = pointerOf(...tokens);
    errors.push({ pointer, message: `${readablePath(pointer)}: ${message}` });
  };
  const bsn = bsnProblem(doc.client.bsn);
  if (bsn) fail(['client', 'bsn'], `${bsn}; a BSN must be 9 digits and pass the 11-proef`);
  checkIds(doc, fail);
  checkReferences(doc, fail);
  checkTeam(doc, fail);
  checkPeriods(doc, fail);
  return errors;
}

type Fail = (tokens: Array<string | number>, message: string) => void;
type Located = { id: string; at: Array<string | number> };

function problems(doc: MesoCarePlanDocument): Located[] {
  return Object.entries(doc.problems ?? {}).flatMap(([domain, list]) =>
    (list ?? []).map((p, i) => ({ id: p.id, at: ['problems', domain, i] })),
  );
}

function goals(doc: MesoCarePlanDocument): Array<Located & { problemIds?: string[] }> {
  return (['now', 'later'] as const).flatMap((horizon) =>
    (doc.goals?.[horizon] ?? []).map((g, i) => ({
      id: g.id,
      problemIds: g.problemIds,
      at: ['goals', horizon, i],
    })),
  );
}

function listed(items: Array<{ id: string }> | undefined, ...at: string[]): Located[] {
  return (items ?? []).map((item, i) => ({ id: item.id, at: [...at, i] }));
}

/** Local ids are unique per kind, so that a reference names one thing. */
function checkIds(doc: MesoCarePlanDocument, fail: Fail): void {
  const kinds: Record<string, Located[]> = {
    'team member': listed(doc.team.members, 'team', 'members'),
    relative: listed(doc.relatives, 'relatives'),
    problem: problems(doc),
    goal: goals(doc),
    'advance directive': listed(doc.advanceDirectives?.directives, 'advanceDirectives', 'directives'),
    action: listed(doc.actions, 'actions'),
    escalation: listed(doc.escalations, 'escalations'),
    'ELV episode': listed(doc.elvEpisodes, 'elvEpisodes'),
  };
  for (const [kind, items] of Object.entries(kinds)) {
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.id))
        fail([...item.at, 'id'], `duplicate ${kind} id "${item.id}": ids must be unique`);
      seen.add(item.id);
    }
  }
}

function checkReferences(doc: MesoCarePlanDocument, fail: Fail): void {
  const ids = (items: Located[]) => new Set(items.map((i) => i.id));
  const members = ids(listed(doc.team.members));
  const problemIds = ids(problems(doc));
  const goalIds = ids(goals(doc));
  const relatives = ids(listed(doc.relatives));
  const directives = ids(listed(doc.advanceDirectives?.directives));
  const elvRequests = new Set(
    (doc.escalations ?? []).filter((e) => e.kind === 'elv-aanvraag').map((e) => e.id),
  );
  const must = (set: Set<string>, what: string, value: string | undefined, at: Array<string | number>) => {
    if (value !== undefined && !set.has(value))
      fail(at, `"${value}" is not the id of ${what} in this document`);
  };
  must(members, 'a team member (team/members)', doc.trajectory.regiebehandelaar, [
    'trajectory',
    'regiebehandelaar',
  ]);
  (doc.actions ?? []).forEach((a, i) => {
    must(members, 'a team member (team/members)', a.responsible, ['actions', i, 'responsible']);
    (a.goalIds ?? []).forEach((g, j) => must(goalIds, 'a goal (goals)', g, ['actions', i, 'goalIds', j]));
  });
  (doc.escalations ?? []).forEach((e, i) => {
    must(members, 'a team member (team/members)', e.requester, ['escalations', i, 'requester']);
    (e.problemIds ?? []).forEach((p, j) =>
      must(problemIds, 'a problem', p, ['escalations', i, 'problemIds', j]),
    );
  });
  for (const g of goals(doc)) {
    (g.problemIds ?? []).forEach((p, j) => must(problemIds, 'a problem', p, [...g.at, 'problemIds', j]));
  }
  (doc.advanceDirectives?.directives ?? []).forEach((d, i) =>
    must(relatives, 'a relative (relatives)', d.representativeId, [
      'advanceDirectives',
      'directives',
      i,
      'representativeId',
    ]),
  );
  (doc.advanceDirectives?.treatmentLimits ?? []).forEach((t, i) =>
    must(directives, 'an advance directive', t.directiveId, [
      'advanceDirectives',
      'treatmentLimits',
      i,
      'directiveId',
    ]),
  );
  (doc.elvEpisodes ?? []).forEach((e, i) =>
    must(elvRequests, 'an elv-aanvraag in escalations', e.referralId, ['elvEpisodes', i, 'referralId']),
  );
}

/** The trajectory's regiebehandelaar has that role in the team, and the team has at most one (meso-careteam-1). */
function checkTeam(doc: MesoCarePlanDocument, fail: Fail): void {
  const leads = doc.team.members.flatMap((m, i) => (m.role === 'regiebehandelaar' ? [i] : []));
  leads
    .slice(1)
    .forEach((i) => fail(['team', 'members', i, 'role'], 'a team has at most one regiebehandelaar'));
  const lead = doc.team.members.find((m) => m.id === doc.trajectory.regiebehandelaar);
  if (lead && lead.role !== 'regiebehandelaar') {
    fail(
      ['trajectory', 'regiebehandelaar'],
      `team member "${lead.id}" has role "${lead.role}", not regiebehandelaar`,
    );
  }
}

function checkPeriods(doc: MesoCarePlanDocument, fail: Fail): void {
  const period = (start: string, end: string | undefined, at: Array<string | number>) => {
    if (end !== undefined && end < start) fail([...at, 'end'], `end (${end}) is before start (${start})`);
  };
  period(doc.trajectory.start, doc.trajectory.end, ['trajectory']);
  (doc.actions ?? []).forEach((a, i) => period(a.start, a.end, ['actions', i]));
  (doc.elvEpisodes ?? []).forEach((e, i) => period(e.start, e.end, ['elvEpisodes', i]));
}
