import fc from 'fast-check';
import { mesoCarePlanSchema } from '../../src/meso-document/schema';
import { pointerOf } from '../../src/meso-document/pointer';
import { validateMesoDocument } from '../../src/meso-document/validate';
import { EXAMPLE_NAMES, example } from './examples';

/**
 * Property: a random mutation of a valid document (delete a required property, or give a value a wrong type) is
 * always reported, and every error points at the mutated location or its parent, a pointer that resolves in the
 * document. Required properties are read from the schema itself, not listed by hand.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { $ref?: string; required?: string[]; properties?: Record<string, Schema>; items?: Schema };
type Mutation = {
  example: (typeof EXAMPLE_NAMES)[number];
  kind: 'delete' | 'type';
  path: Array<string | number>;
};

const schema = mesoCarePlanSchema() as Schema & { $defs: Record<string, Schema> };
const deref = (s: Schema): Schema => (s.$ref ? schema.$defs[s.$ref.replace('#/$defs/', '')] : s);

function mutationsOf(name: Mutation['example'], value: Json, s: Schema, path: Mutation['path']): Mutation[] {
  const here: Mutation[] = path.length ? [{ example: name, kind: 'type', path }] : [];
  const sub = deref(s);
  if (Array.isArray(value)) {
    return [...here, ...value.flatMap((v, i) => mutationsOf(name, v, sub.items ?? {}, [...path, i]))];
  }
  if (value === null || typeof value !== 'object') return here;
  const required = (sub.required ?? []).filter((k) => k in value);
  return [
    ...here,
    ...required.map((k): Mutation => ({ example: name, kind: 'delete', path: [...path, k] })),
    ...Object.entries(value).flatMap(([k, v]) =>
      mutationsOf(name, v, sub.properties?.[k] ?? {}, [...path, k]),
    ),
  ];
}

const ALL = EXAMPLE_NAMES.flatMap((name) => mutationsOf(name, example(name) as Json, schema, []));
const WRONG_VALUES: Json[] = [42, 1.5, 'x', true, null, [], {}];

const jsonType = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

function parentAndKey(doc: Json, path: Mutation['path']): [Record<string | number, Json>, string | number] {
  let parent = doc as Record<string | number, Json>;
  for (const token of path.slice(0, -1)) parent = parent[token] as Record<string | number, Json>;
  return [parent, path[path.length - 1]];
}

/** RFC 6901 resolution, to show each reported pointer names a real place in the document. */
function resolves(doc: Json, pointer: string): boolean {
  let at: Json | undefined = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !(token in at)) return false;
    at = (at as Record<string, Json>)[token];
  }
  return true;
}

describe('MESO care-plan document: mutations are reported where they happen (fast-check)', () => {
  it('finds mutations of both kinds in every example', () => {
    for (const name of EXAMPLE_NAMES) {
      expect(ALL.filter((m) => m.example === name && m.kind === 'delete').length).toBeGreaterThan(20);
      expect(ALL.filter((m) => m.example === name && m.kind === 'type').length).toBeGreaterThan(100);
    }
  });

  it('every error points at the mutated location or its parent', () => {
    const mutation = fc.constantFrom(...ALL);
    fc.assert(
      fc.property(mutation, fc.constantFrom(...WRONG_VALUES), (m, wrong) => {
        const original = example(m.example) as Json;
        const doc = example(m.example) as Json;
        const [parent, key] = parentAndKey(doc, m.path);
        if (m.kind === 'delete') delete parent[key];
        else {
          fc.pre(jsonType(wrong) !== jsonType(parent[key]));
          parent[key] = wrong;
        }
        const result = validateMesoDocument(doc);
        expect(result.valid).toBe(false);
        if (result.valid) return;
        const target = pointerOf(...m.path);
        const parentPointer = pointerOf(...m.path.slice(0, -1));
        expect(result.errors.length).toBeGreaterThan(0);
        for (const error of result.errors) {
          expect([target, parentPointer]).toContain(error.pointer);
          expect(resolves(original, error.pointer)).toBe(true);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500) },
    );
  });
});
