import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { ResourceValidator } from '../../src/fhir/validation/validator';
import { checkBusinessRules } from '../../src/fhir/validation/business-rules';
import { projectPath } from '../../src/project-root';

let validator: ResourceValidator;
beforeAll(async () => {
  validator = await ResourceValidator.load();
});

const errors = (issues: OperationOutcomeIssue[]) =>
  issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${i.expression}: ${i.diagnostics}`);

const demo = JSON.parse(fs.readFileSync(projectPath('examples', 'demo-data.json'), 'utf8')) as Bundle;
const fixtureDir = projectPath('examples', 'fixtures');
const fixtures = fs
  .readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(fixtureDir, f), 'utf8')) as Resource);
// Fixtures reference each other as Type/id; a collection Bundle lets resolve() follow those references.
const fixtureBundle: Bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: fixtures.map((r) => ({ fullUrl: `${r.resourceType}/${r.id}`, resource: r })),
};

describe('the demo data conforms to its declared profiles', () => {
  it.each((demo.entry ?? []).map((e, i) => [i, e.resource?.resourceType, e.resource] as const))(
    'demo-data.json entry %i (%s)',
    (_i, _type, resource) => {
      const issues = [...validator.validate(resource as Resource, { bundle: demo }), ...checkBusinessRules(resource as Resource)];
      expect(errors(issues)).toEqual([]);
    },
  );

  it.each(fixtures.map((r) => [`${r.resourceType}/${r.id}`, r] as const))('fixture %s', (_name, resource) => {
    const issues = [...validator.validate(resource, { bundle: fixtureBundle }), ...checkBusinessRules(resource)];
    expect(errors(issues)).toEqual([]);
  });
});
