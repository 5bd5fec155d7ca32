import type { Bundle, BundleEntry, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { evaluate } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidBsn } from '../../src/domain/bsn';
import { CANONICAL_BASE } from '../../src/domain/canonical';
import { IdentifierSystem } from '../../src/domain/identifier-systems';
import { checkBusinessRules } from '../../src/fhir/validation/business-rules';

const ROOT = join(__dirname, '../..');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const bundle = readJson<Bundle>(join(ROOT, 'examples/demo-data.json'));
const entries = bundle.entry ?? [];
const resources = entries.map((e) => e.resource as Resource);

/** Every `reference` string anywhere in a resource. */
function references(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(references);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'reference' && typeof value === 'string' ? [value] : references(value),
  );
}

const mesoProfiles = readdirSync(join(ROOT, 'profiles/meso'))
  .filter((f) => f.startsWith('StructureDefinition-'))
  .map((f) => readJson<StructureDefinition>(join(ROOT, 'profiles/meso', f)));

describe('examples/demo-data.json', () => {
  it('is a transaction of POSTs', () => {
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('transaction');
    expect(entries.length).toBeGreaterThan(40);
    for (const entry of entries) expect(entry.request?.method).toBe('POST');
  });

  it('gives every entry a unique urn:uuid fullUrl and no resource id', () => {
    const fullUrls = entries.map((e) => e.fullUrl);
    for (const url of fullUrls) expect(url).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(fullUrls).size).toBe(fullUrls.length);
    for (const resource of resources) expect(resource.id).toBeUndefined();
  });

  it('declares a profile on every entry', () => {
    for (const resource of resources) expect(resource.meta?.profile?.length).toBeGreaterThan(0);
  });

  it('makes every create conditional on one of the resource’s own identifiers', () => {
    const conditions = new Set<string>();
    for (const entry of entries as BundleEntry<Resource & { identifier?: { system?: string; value?: string }[] }>[]) {
      const { request, resource } = entry;
      expect(request?.url).toBe(resource?.resourceType);
      const match = /^identifier=([^|]+)\|(.+)$/.exec(request?.ifNoneExist ?? '');
      expect(match).not.toBeNull();
      const [, system, value] = match as RegExpExecArray;
      expect(resource?.identifier).toContainEqual(expect.objectContaining({ system, value }));
      conditions.add(`${request?.url}?${request?.ifNoneExist}`);
    }
    expect(conditions.size).toBe(entries.length);
  });

  it('only has BSNs that pass the 11-proef, and at least three clients', () => {
    const bsns = resources
      .filter((r) => r.resourceType === 'Patient')
      .flatMap((p) => (p.resourceType === 'Patient' ? (p.identifier ?? []) : []))
      .filter((i) => i.system === IdentifierSystem.bsn)
      .map((i) => i.value as string);
    expect(bsns.length).toBeGreaterThanOrEqual(3);
    for (const bsn of bsns) expect(isValidBsn(bsn)).toBe(true);
  });

  it('passes the business rules (identifier formats, coded rejection reasons)', () => {
    expect(checkBusinessRules(bundle)).toEqual([]);
  });

  it('resolves every reference within the bundle', () => {
    const fullUrls = new Set(entries.map((e) => e.fullUrl));
    const refs = references(resources);
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of refs) {
      expect(ref).toMatch(/^urn:uuid:/);
      expect(fullUrls.has(ref)).toBe(true);
    }
  });

  it('claims only profiles that exist: nl-core, or ours in profiles/meso', () => {
    const ours = new Set(mesoProfiles.map((sd) => sd.url));
    for (const profile of resources.flatMap((r) => r.meta?.profile ?? [])) {
      if (profile.startsWith(CANONICAL_BASE)) expect(ours.has(profile)).toBe(true);
      else expect(profile).toMatch(/^http:\/\/nictiz\.nl\/fhir\/StructureDefinition\/nl-core-/);
    }
  });

  // The profile validator checks these too once it is wired in; this keeps the invariants' FHIRPath honest now.
  it('satisfies the root invariants of the MESO profiles it claims', () => {
    let checked = 0;
    for (const sd of mesoProfiles) {
      const constraints = sd.differential?.element?.find((e) => e.id === sd.type)?.constraint ?? [];
      for (const resource of resources.filter((r) => r.meta?.profile?.includes(sd.url as string))) {
        for (const { key, expression } of constraints) {
          expect([key, evaluate(resource, expression as string, undefined, r4)]).toEqual([key, [true]]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('matches the fixtures in examples/fixtures, one per entry', () => {
    const dir = join(ROOT, 'examples/fixtures');
    const fixtures = readdirSync(dir).map((f) => readJson<Resource>(join(dir, f)));
    expect(fixtures).toHaveLength(entries.length);
    const strip = (r: Resource) => JSON.stringify(r, (k, v) => (k === 'id' || k === 'reference' ? undefined : v));
    const inBundle = new Set(resources.map(strip));
    for (const fixture of fixtures) {
      expect(fixture.id).toMatch(/^meso-demo-/);
      expect(inBundle.has(strip(fixture))).toBe(true);
    }
  });
});
