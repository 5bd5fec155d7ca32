import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { fictionalPatients, NL_CORE_PATIENT } from '../../../bench/patients';
import type { ResourceValidator } from '../../../src/fhir/validation/validator';
import { referenceIndex } from './nl-core-examples';

/** Where the recorded issue lists live (generated with the validator as it was before the speed-ups). */
export const ISSUE_SNAPSHOT_FILE = 'issue-snapshot.json';

/**
 * Every validation the snapshot records, by a stable name: each example as is (with and without resolvable
 * references, and against its base resource type), each with one top-level or second-level property removed
 * (which makes invariants and minimums fire), the bench's generated patients, and a collection Bundle.
 */
export function snapshotIssues(
  v: ResourceValidator,
  examples: Map<string, Resource>,
): Record<string, OperationOutcomeIssue[]> {
  const resolveReference = referenceIndex(examples);
  const out: Record<string, OperationOutcomeIssue[]> = {};
  for (const [file, resource] of examples) {
    out[`ref:${file}`] = v.validate(resource, { resolveReference });
    out[`noref:${file}`] = v.validate(resource);
    const base = `http://hl7.org/fhir/StructureDefinition/${resource.resourceType}`;
    out[`base:${file}`] = v.validate(resource, { profile: base, resolveReference });
    for (const [name, mutant] of mutants(resource))
      out[`drop:${file}:${name}`] = v.validate(mutant, { resolveReference });
  }
  fictionalPatients(64).forEach((p, i) => {
    out[`generated:${i}`] = v.validate(p, { profile: NL_CORE_PATIENT });
  });
  const entries = [...examples.entries()].slice(0, 40);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: entries.map(([, r]) => ({
      fullUrl: `https://example.org/fhir/${r.resourceType}/${r.id}`,
      resource: r,
    })),
  };
  out['bundle:collection'] = v.validate(bundle);
  return out;
}

/** Copies of `resource` with one property removed: each top-level one, and each one of a top-level object. */
function* mutants(resource: Resource): Generator<[string, Resource]> {
  const obj = resource as unknown as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key === 'resourceType') continue;
    const copy = structuredClone(obj);
    delete copy[key];
    yield [key, copy as unknown as Resource];
    const value = obj[key];
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first !== 'object' || first === null) continue;
    for (const sub of Object.keys(first)) {
      const nested = structuredClone(obj);
      const target = nested[key] as Record<string, unknown> | Record<string, unknown>[];
      delete (Array.isArray(target) ? target[0] : target)[sub];
      yield [`${key}${Array.isArray(value) ? '[0]' : ''}.${sub}`, nested as unknown as Resource];
    }
  }
}
