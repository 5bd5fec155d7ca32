import type { CodeSystem, ElementDefinition, StructureDefinition, Task, ValueSet } from '@medplum/fhirtypes';
import { compile, evaluate } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CANONICAL_BASE } from '../../src/domain/canonical';
import {
  REFERRAL_KIND_SYSTEM,
  REFERRAL_TASK_PROFILE,
  REJECTION_REASON_OTHER,
  REJECTION_REASON_SYSTEM,
} from '../../src/domain/referral';
import { SUPPORTED_TYPES } from '../../src/kernel/resource-types';
import { ORGANIZATION_KINDS } from '../../src/kernel/caller';
import { ORGANIZATION_KIND_SYSTEM } from '../../src/fhir/access/patient-objection';

// The project's own conformance resources (profiles/meso) must agree with the constants the code uses.
const DIR = join(__dirname, '../../profiles/meso');
type Conformance = (StructureDefinition | CodeSystem | ValueSet) & {
  resourceType: string;
  id: string;
  url: string;
};
const files = readdirSync(DIR).filter((f) => /^[A-Z]\w+-.+\.json$/.test(f));
const resources = files.map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Conformance);
const byUrl = new Map(resources.map((r) => [r.url, r]));
const structureDefinitions = resources.filter(
  (r): r is Conformance & StructureDefinition => r.resourceType === 'StructureDefinition',
);
const codeSystem = (url: string) => byUrl.get(url) as CodeSystem;

/** Every canonical under our base that a resource mentions (profiles, target profiles, value sets, systems). */
function canonicalsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(canonicalsIn);
  if (typeof node === 'string') return node.startsWith(`${CANONICAL_BASE}/`) ? [node] : [];
  if (typeof node !== 'object' || node === null) return [];
  return Object.values(node).flatMap(canonicalsIn);
}

describe('profiles/meso', () => {
  it('holds the issue-4 resources', () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
    expect(byUrl.has(REFERRAL_TASK_PROFILE)).toBe(true);
  });

  it.each(files)('%s: file name, id and url agree, under the one canonical base', (file) => {
    const resource = resources[files.indexOf(file)];
    expect(file).toBe(`${resource.resourceType}-${resource.id}.json`);
    expect(resource.url).toBe(`${CANONICAL_BASE}/${resource.resourceType}/${resource.id}`);
    expect(resource).toMatchObject({ version: '0.1.0', status: 'draft', publisher: expect.any(String) });
    expect(resource.description).toEqual(expect.any(String));
  });

  it('only mentions project canonicals that exist', () => {
    for (const resource of resources) {
      for (const url of canonicalsIn(resource)) {
        const [canonical] = url.split('|');
        expect([resource.id, canonical, byUrl.has(canonical)]).toEqual([resource.id, canonical, true]);
      }
    }
  });

  it.each(structureDefinitions.map((sd) => [sd.id, sd] as const))(
    'StructureDefinition %s is a differential-only constraint with consistent element ids',
    (_id, sd) => {
      expect(sd).toMatchObject({ fhirVersion: '4.0.1', derivation: 'constraint', abstract: false });
      expect(sd.snapshot).toBeUndefined();
      const elements = sd.differential?.element as ElementDefinition[];
      expect(elements[0].id).toBe(sd.type);
      for (const e of elements) {
        expect(e.path).toBe((e.id as string).replace(/:[^.]+/g, ''));
        if (e.sliceName) expect((e.id as string).endsWith(`:${e.sliceName}`)).toBe(true);
        for (const c of e.constraint ?? []) {
          expect(c).toMatchObject({ severity: 'error', source: sd.url });
          expect(() => compile(c.expression as string, r4)).not.toThrow();
        }
      }
    },
  );

  it('has complete, case-sensitive code systems with Dutch displays and a value set each', () => {
    const codeSystems = resources.filter(
      (r): r is Conformance & CodeSystem => r.resourceType === 'CodeSystem',
    );
    expect(codeSystems.length).toBeGreaterThanOrEqual(5);
    for (const cs of codeSystems) {
      expect(cs).toMatchObject({ content: 'complete', caseSensitive: true, count: cs.concept?.length });
      for (const concept of cs.concept ?? []) expect(concept.display).toEqual(expect.any(String));
      const vs = byUrl.get(cs.valueSet as string) as ValueSet;
      expect(vs.compose?.include).toEqual([{ system: cs.url }]);
    }
  });

  it('declares the codes the code relies on', () => {
    expect(codeSystem(REJECTION_REASON_SYSTEM).concept?.map((c) => c.code)).toEqual(
      expect.arrayContaining([
        'geen-bed-beschikbaar',
        'buiten-indicatiecriteria',
        'onvoldoende-informatie',
        'capaciteit-team',
        'client-weigert',
        'andere-zorgvorm-passender',
        REJECTION_REASON_OTHER,
      ]),
    );
    expect(codeSystem(REFERRAL_KIND_SYSTEM).concept).toHaveLength(5);
    // A patient's objection names a kind by these codes: every kind the access policy knows, except admin.
    expect(codeSystem(ORGANIZATION_KIND_SYSTEM).concept?.map((c) => c.code)).toEqual(
      ORGANIZATION_KINDS.filter((kind) => kind !== 'admin'),
    );
  });

  describe('referral Task invariants', () => {
    const invariant = (key: string) =>
      (byUrl.get(REFERRAL_TASK_PROFILE) as StructureDefinition).differential?.element?.[0].constraint?.find(
        (c) => c.key === key,
      )?.expression as string;
    const holds = (key: string, task: Partial<Task>) =>
      (
        evaluate(
          { resourceType: 'Task', intent: 'order', ...task },
          invariant(key),
          undefined,
          r4,
        ) as unknown[]
      )[0];

    it('meso-referral-task-1: a rejection needs a coded reason from our system', () => {
      expect(holds('meso-referral-task-1', { status: 'rejected', statusReason: { text: 'vol' } })).toBe(
        false,
      );
      expect(
        holds('meso-referral-task-1', {
          status: 'rejected',
          statusReason: { coding: [{ system: 'http://example.org', code: 'x' }] },
        }),
      ).toBe(false);
      expect(
        holds('meso-referral-task-1', {
          status: 'rejected',
          statusReason: { coding: [{ system: REJECTION_REASON_SYSTEM, code: 'client-weigert' }] },
        }),
      ).toBe(true);
      expect(holds('meso-referral-task-1', { status: 'accepted' })).toBe(true);
    });

    it("meso-referral-task-2: 'overig' needs a text", () => {
      const overig = { coding: [{ system: REJECTION_REASON_SYSTEM, code: REJECTION_REASON_OTHER }] };
      expect(holds('meso-referral-task-2', { status: 'rejected', statusReason: overig })).toBe(false);
      expect(
        holds('meso-referral-task-2', { status: 'rejected', statusReason: { ...overig, text: 'Verhuisd' } }),
      ).toBe(true);
    });
  });

  it('maps every served resource type to a default profile, ours or nl-core where one exists', () => {
    const defaults = JSON.parse(readFileSync(join(DIR, 'default-profiles.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(Object.keys(defaults).sort()).toEqual([...SUPPORTED_TYPES].sort());
    for (const [type, url] of Object.entries(defaults)) {
      if (url.startsWith(CANONICAL_BASE)) expect((byUrl.get(url) as StructureDefinition).type).toBe(type);
      else
        expect(url).toMatch(
          /^http:\/\/(nictiz\.nl\/fhir\/StructureDefinition\/nl-core-|hl7\.org\/fhir\/StructureDefinition\/)/,
        );
    }
  });
});
