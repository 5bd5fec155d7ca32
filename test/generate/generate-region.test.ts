import { createHash } from 'node:crypto';
import type { Patient, Resource, Task } from '@medplum/fhirtypes';
import { isValidBsn, testBsns } from '../../src/domain/bsn';
import { createConformanceCheck, loadDefaultProfiles } from '../../src/fhir/conformance';
import { checkBusinessRules } from '../../src/fhir/validation/business-rules';
import { DEMO_BSNS, generateRegion } from '../../src/generate/generate-region';
import { GENERATED_PATIENT, patientRecords } from '../../src/generate/patient-record';
import { REFERRAL_STATUSES } from '../../src/domain/referral';
import { buildRegion } from '../../src/generate/region';
import { validator } from '../fhir/validation/nl-core-examples';

const hashOf = (resources: Iterable<Resource>) => {
  const hash = createHash('sha256');
  for (const r of resources) hash.update(`${JSON.stringify(r)}\n`);
  return hash.digest('hex');
};

describe('the generated region', () => {
  const region = [...generateRegion({ patients: 50, seed: 7 })];
  const ofType = <T extends Resource>(type: string) => region.filter((r) => r.resourceType === type) as T[];

  it('validates, every resource against its meta.profile, with the business rules (zero errors)', async () => {
    const conformance = createConformanceCheck(await validator(), checkBusinessRules, loadDefaultProfiles());
    const errors = region.flatMap((r) =>
      conformance
        .check(r)
        .filter((i) => i.severity === 'error' || i.severity === 'fatal')
        .map((i) => `${r.resourceType}/${r.id}: ${i.diagnostics} at ${i.expression}`),
    );
    expect(errors).toEqual([]);
    expect(region.every((r) => (r.meta?.profile?.length ?? 0) > 0)).toBe(true);
  });

  it('is deterministic: the same seed gives the same bytes, another seed other data', () => {
    expect(hashOf(generateRegion({ patients: 50, seed: 7 }))).toBe(hashOf(region));
    expect(hashOf(generateRegion({ patients: 50, seed: 8 }))).not.toBe(hashOf(region));
  });

  it('gives each patient a unique test BSN that passes the 11-proef, never one of the demo data', () => {
    const bsns = ofType('Patient').map(
      (p) => (p as { identifier: Array<{ value: string }> }).identifier[0].value,
    );
    expect(bsns).toHaveLength(50);
    expect(new Set(bsns).size).toBe(50);
    expect(bsns.every(isValidBsn)).toBe(true);
    expect(bsns.filter((b) => DEMO_BSNS.has(b))).toEqual([]);
  });

  it('has about ten resources per patient, with unique ids and references that resolve inside the region', () => {
    const perPatient = region.length / 50;
    expect(perPatient).toBeGreaterThan(8);
    expect(perPatient).toBeLessThan(12);
    const keys = new Set(region.map((r) => `${r.resourceType}/${r.id}`));
    expect(keys.size).toBe(region.length);
    const references = JSON.stringify(region).match(/"reference":"[^"]+"/g) ?? [];
    const dangling = references.map((r) => r.slice(13, -1)).filter((r) => !keys.has(r));
    expect(dangling).toEqual([]);
  });

  it('has referral Tasks of the three kinds in every status, a rejection always with a coded reason', () => {
    const tasks = ofType<Task>('Task');
    expect(new Set(tasks.map((t) => t.status))).toEqual(new Set(REFERRAL_STATUSES));
    const kinds = new Set(tasks.map((t) => t.code?.coding?.[0].code?.replace(/^escalatie-.*/, 'escalatie')));
    expect(kinds).toEqual(new Set(['aanmelding-meso-team', 'escalatie', 'elv-aanvraag']));
    const rejected = tasks.filter((t) => t.status === 'rejected');
    expect(
      rejected.every((t) => t.statusReason?.coding?.[0].system?.endsWith('referral-rejection-reason')),
    ).toBe(true);
  });

  it('has the directory: GP practices, VVT organisations, MESO teams with SO and geriatric nurse, platform', () => {
    const roles = ofType<Resource & { specialty: Array<{ coding: Array<{ code: string }> }> }>(
      'PractitionerRole',
    ).map((r) => r.specialty[0].coding[0].code);
    expect(new Set(roles)).toEqual(new Set(['01.015', '01.047', '30.068', '30.000']));
    const orgs = ofType<Resource & { name: string }>('Organization').map((o) => o.name);
    expect(orgs.some((n) => n.startsWith('Huisartsenpraktijk'))).toBe(true);
    expect(orgs.some((n) => n.startsWith('Zorggroep'))).toBe(true);
    expect(orgs.some((n) => n.startsWith('MESO'))).toBe(true);
    expect(orgs.some((n) => n.includes('Dataplatform'))).toBe(true);
  });
});

describe('test BSNs', () => {
  it('come only from the test range 9999xxxxx, all passing the 11-proef', () => {
    const bsns = [...testBsns()];
    expect(bsns.length).toBeGreaterThan(9000);
    expect(bsns.every((b) => b.startsWith('9999') && isValidBsn(b))).toBe(true);
    expect(new Set(bsns).size).toBe(bsns.length);
  });

  it("past the test range, a patient gets the region's own number and no BSN at all", () => {
    const region = buildRegion(1, 1);
    const [patient] = patientRecords(region, 12_345, undefined) as Patient[];
    expect(patient.identifier).toEqual([{ system: GENERATED_PATIENT, value: 'P0012345' }]);
  });
});
