import type { Consent, Goal, Task } from '@medplum/fhirtypes';
import { ORGANIZATION_KIND_SYSTEM } from '../../../src/fhir/access/patient-objection';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceValidator } from '../../../src/fhir/validation/validator';
import { validator } from './nl-core-examples';

const FIXTURES = join(__dirname, '../../../examples/fixtures');
const REJECTION = 'https://meso-zorg.nl/fhir/CodeSystem/referral-rejection-reason';

/** A code that claims one of the project's own CodeSystems must exist in it, whatever the binding strength. */
describe('own CodeSystems', () => {
  let v: ResourceValidator;
  beforeAll(async () => {
    v = await validator();
  });

  const task = (code: string): Task => ({
    ...(JSON.parse(
      readFileSync(join(FIXTURES, 'Task-meso-demo-client-1-aanmelding-task.json'), 'utf8'),
    ) as Task),
    status: 'rejected',
    statusReason: { coding: [{ system: REJECTION, code }], text: 'reden' },
  });
  const errors = (r: Task | Goal) => v.validate(r).filter((i) => i.severity === 'error');

  it('rejects geen-plek in referral-rejection-reason (extensible binding) with the coding and the valid codes', () => {
    const issues = errors(task('geen-plek'));
    const hit = issues.filter((i) => i.expression?.[0] === 'Task.statusReason.coding[0]');
    expect(hit).toHaveLength(1);
    expect(hit[0]).toMatchObject({ code: 'code-invalid' });
    expect(hit[0].diagnostics).toContain(`'geen-plek' does not exist in the CodeSystem ${REJECTION}`);
    expect(hit[0].diagnostics).toContain('geen-bed-beschikbaar');
    expect(hit[0].diagnostics).toContain('profiles/meso/CodeSystem-referral-rejection-reason.json');
  });

  it('accepts a code of the CodeSystem', () => {
    const issues = errors(task('geen-bed-beschikbaar'));
    expect(issues.filter((i) => i.expression?.[0]?.startsWith('Task.statusReason'))).toEqual([]);
  });

  it('checks a Coding without any binding, and leaves other systems alone', () => {
    const goal: Goal = {
      resourceType: 'Goal',
      lifecycleStatus: 'active',
      description: { text: 'x' },
      subject: { reference: 'Patient/p' },
      category: [
        { coding: [{ system: 'https://meso-zorg.nl/fhir/CodeSystem/goal-kind', code: 'verzonnen' }] },
        { coding: [{ system: 'https://example.org/CodeSystem/other', code: 'verzonnen' }] },
      ],
    };
    const hits = errors(goal).filter((i) => i.code === 'code-invalid');
    expect(hits.map((i) => i.expression?.[0])).toEqual(['Goal.category[0].coding[0]']);
  });

  it('checks the organisation kind a patient objection names (CodeSystem organization-kind)', () => {
    const objection = (code: string): Consent => ({
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: 'Patient/p' },
      policyRule: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }],
      },
      provision: {
        type: 'deny',
        actor: [
          { role: { coding: [{ system: ORGANIZATION_KIND_SYSTEM, code }] }, reference: { display: code } },
        ],
      },
    });
    const kindIssues = (code: string) =>
      v.validate(objection(code)).filter((i) => i.severity === 'error' && i.code === 'code-invalid');
    for (const kind of ['behandelnetwerk', 'ctv', 'vvt']) expect(kindIssues(kind)).toEqual([]);
    const hit = kindIssues('ziekenhuis');
    expect(hit.map((i) => i.expression?.[0])).toEqual(['Consent.provision.actor[0].role.coding[0]']);
    expect(hit[0].diagnostics).toContain('behandelnetwerk');
  });
});
