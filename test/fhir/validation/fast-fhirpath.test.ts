import type { ResourceValidator } from '../../../src/fhir/validation/validator';
import { crossCheck } from '../../../src/fhir/validation/invariants';
import { snapshotIssues } from './issue-snapshot-cases';
import { loadExamples, validator } from './nl-core-examples';

/**
 * The fast FHIRPath evaluator answers most invariants instead of medplum. Over every example and every broken
 * variant of the issue snapshot, each fast answer is compared with medplum's full result: they must be equal,
 * and where medplum throws the fast evaluator must have given up.
 */
describe('fast FHIRPath evaluator agrees with medplum', () => {
  let v: ResourceValidator;

  beforeAll(async () => {
    v = await validator();
  });

  afterAll(() => {
    crossCheck.enabled = false;
  });

  it('gives medplum’s result for every invariant it evaluates', () => {
    crossCheck.enabled = true;
    crossCheck.fastEvaluations = 0;
    crossCheck.mismatches = [];
    snapshotIssues(v, loadExamples());
    crossCheck.enabled = false;
    expect(crossCheck.mismatches).toEqual([]);
    // The comparison means something only if the fast path is actually taken, and often.
    expect(crossCheck.fastEvaluations).toBeGreaterThan(10_000);
  });
});
