import fs from 'node:fs';
import path from 'node:path';
import type { ResourceValidator } from '../../../src/fhir/validation/validator';
import { ISSUE_SNAPSHOT_FILE, snapshotIssues } from './issue-snapshot-cases';
import { loadExamples, validator } from './nl-core-examples';

/**
 * The validator's speed-ups (per-profile caches, skipping absent children, the fast FHIRPath evaluator) must
 * not change a single finding. The full issue lists (severity, code, expression,
 * diagnostics, order) for every example and many broken variants were recorded before those changes; they
 * must come out identical. Regenerate only for an intended change in findings:
 * UPDATE_ISSUE_SNAPSHOT=1 npx jest test/fhir/validation/issue-snapshot.test.ts, then prettier --write the JSON
 */
describe('validation findings are unchanged', () => {
  const file = path.join(__dirname, ISSUE_SNAPSHOT_FILE);
  let v: ResourceValidator;

  beforeAll(async () => {
    v = await validator();
  });

  it('gives exactly the recorded issues for every example and variant', () => {
    const actual = snapshotIssues(v, loadExamples());
    if (process.env.UPDATE_ISSUE_SNAPSHOT) fs.writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    const expected = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof actual;
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    for (const key of Object.keys(expected))
      expect({ key, issues: actual[key] }).toEqual({ key, issues: expected[key] });
  });
});
