import type { Resource } from '@medplum/fhirtypes';
import { indexResource, writeIndexes } from '../../../src/fhir/search/indexer';
import type { Database } from '../../../src/store/database';
import type { ResourceValidator } from '../../../src/fhir/validation/validator';
import { nlCoreExample } from '../../support/fixtures';
import { createTestDatabase } from '../../support/test-database';
import { validator } from '../validation/nl-core-examples';

/* eslint-disable @typescript-eslint/no-explicit-any -- primitive extensions of every shape */

/**
 * The indexer runs after validation, so it must accept everything the validator accepts. Its FHIRPath engine
 * throws on a primitive extension (`_x`) that is not an object ("Primitive extension must be an object"):
 * the validator must refuse exactly those, and every `_x` it accepts must index.
 */
describe('indexing what validation accepted', () => {
  let v: ResourceValidator;
  let db: Database;
  beforeAll(async () => {
    v = await validator();
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  const valid = (r: Resource) => !v.validate(r).some((i) => i.severity === 'error' || i.severity === 'fatal');
  const SHAPES: unknown[] = ['x', 5, true, null, [], [null], ['x'], [5], {}, { id: 'a' }, [{ id: 'a' }]];

  it('refuses _birthDate: "x" at Patient._birthDate', () => {
    const p: any = { ...nlCoreExample('nl-core-Patient-01'), _birthDate: 'x' };
    const errors = v.validate(p).filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.expression?.[0])).toContain('Patient._birthDate');
  });

  it('indexes every primitive extension shape the validator lets through', async () => {
    const base: any = nlCoreExample('nl-core-Patient-01');
    const primitives = ['birthDate', 'gender', 'active', 'deceasedBoolean'];
    let accepted = 0;
    for (const key of primitives) {
      for (const shape of SHAPES) {
        const p = { ...base, id: `p-${accepted}`, [`_${key}`]: shape };
        if (!valid(p)) continue;
        accepted++;
        expect(() => indexResource(p)).not.toThrow();
        await db.transaction((tx) => writeIndexes(tx, p));
      }
    }
    // { id: 'a' } on a present value is legal FHIR: at least those pass, so the loop tested something.
    expect(accepted).toBeGreaterThan(0);
  });

  it('indexes a list whose _x holds null for the items without extensions', () => {
    const p: any = {
      resourceType: 'Patient',
      name: [{ given: ['Johanna', 'Petronella'], _given: [null, { id: 'second-given' }] }],
    };
    expect(valid(p)).toBe(true);
    expect(() => indexResource(p)).not.toThrow();
  });
});
