import type { AuditEvent, CareTeam, Observation, Patient, Task } from '@medplum/fhirtypes';
import type { AccessRestriction } from '../../../src/kernel/access-restriction';
import { relationKeys } from '../../../src/fhir/access/care-relations';
import type { Database } from '../../../src/store/database';
import { nlCoreExample } from '../../support/fixtures';
import { createTestDatabase } from '../../support/test-database';
import { ids, run, save } from './search-support';

let db: Database;
const ORG = 'Organization/nl-core-HealthcareProvider-Organization-01';

const ACCESS: AccessRestriction = {
  openTypes: ['Organization', 'Practitioner', 'PractitionerRole'],
  // The organisation's patients: those of CareTeams it is a member of (here pat-a, through `team`).
  relation: relationKeys('vvt', { references: [ORG], identifiers: [] }, ['care-team']),
  references: [{ resourceType: 'Task', params: ['requester', 'owner'], targets: [ORG] }],
  hiddenTypes: ['AuditEvent'],
};

const patient = (id: string, family: string): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family }],
});
const weight = (id: string, patientId: string): Observation => ({
  ...nlCoreExample<Observation>('nl-core-BodyWeight-01'),
  id,
  subject: { reference: `Patient/${patientId}` },
});
const task = (id: string, owner: string, patientId: string): Task => ({
  resourceType: 'Task',
  id,
  status: 'requested',
  intent: 'order',
  owner: { reference: owner },
  for: { reference: `Patient/${patientId}` },
});

beforeAll(async () => {
  db = await createTestDatabase();
  const team: CareTeam = {
    resourceType: 'CareTeam',
    id: 'team',
    subject: { reference: 'Patient/pat-a' },
    participant: [{ member: { reference: 'Patient/pat-b' } }, { member: { reference: ORG } }],
  };
  const audit: AuditEvent = {
    resourceType: 'AuditEvent',
    id: 'audit-a',
    type: { code: 'rest' },
    recorded: '2025-01-01T00:00:00Z',
    agent: [{ who: { reference: 'Patient/pat-a' }, requestor: false }],
    source: { observer: { reference: ORG } },
  };
  await save(
    db,
    nlCoreExample('nl-core-HealthcareProvider-Organization-01'),
    patient('pat-a', 'Visser'),
    patient('pat-b', 'Visser'),
    weight('obs-a', 'pat-a'),
    weight('obs-b', 'pat-b'),
    team,
    task('task-mine', ORG, 'pat-b'),
    task('task-other', 'Organization/elsewhere', 'pat-a'),
    audit,
  );
});
afterAll(() => db.close());

describe('AccessRestriction', () => {
  it('filters matches and totals in SQL', async () => {
    const bundle = await run(db, 'Observation', '', { access: ACCESS });
    expect(ids(bundle)).toEqual(['obs-a']);
    expect(bundle.total).toBe(1);
    expect((await run(db, 'Patient', 'family=visser&_summary=count', { access: ACCESS })).total).toBe(1);
    expect(ids(await run(db, 'Observation', '', {}))).toEqual(['obs-a', 'obs-b']);
  });

  it('filters _include and _revinclude', async () => {
    const team = await run(db, 'CareTeam', '_include=CareTeam:participant', { access: ACCESS });
    expect(ids(team)).toEqual(['team']);
    expect(ids(team, 'include')).toEqual(['nl-core-HealthcareProvider-Organization-01']);
    const rev = await run(db, 'Patient', '_revinclude=Observation:subject', { access: ACCESS });
    expect(ids(rev, 'include')).toEqual(['obs-a']);
  });

  it('does not reveal hidden resources through a chain', async () => {
    expect(ids(await run(db, 'CareTeam', 'participant:Patient.family=visser', { access: ACCESS }))).toEqual(
      [],
    );
    expect(ids(await run(db, 'CareTeam', 'participant:Patient.family=visser'))).toEqual(['team']);
  });

  it('applies the reference rule and keeps Task out of the compartment rule', async () => {
    expect(ids(await run(db, 'Task', '', { access: ACCESS }))).toEqual(['task-mine']);
  });

  it('never shows a hidden type, even inside an allowed compartment', async () => {
    expect(ids(await run(db, 'AuditEvent', '', { access: ACCESS }))).toEqual([]);
    expect(ids(await run(db, 'AuditEvent', 'patient=pat-a'))).toEqual(['audit-a']);
  });
});
