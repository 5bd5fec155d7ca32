import {
  AndAtom,
  DotAtom,
  EqualsAtom,
  FhirPathAtom,
  FunctionAtom,
  getElementDefinition,
  ImpliesAtom,
  isEmpty,
  LiteralAtom,
  NotEqualsAtom,
  OrAtom,
  PropertyType,
  SymbolAtom,
  toTypedValue,
  type TypedValue,
} from '@medplum/core';
import { intern } from './instance-items';

/*
 * A faster evaluator for the FHIRPath that invariants mostly use (paths, exists/empty/not/count/hasValue,
 * where, extension('url'), and/or/implies, = and != on primitives), over medplum's own parse tree and with
 * medplum's semantics, step for step (see @medplum/core fhirpath/atoms.ts, functions.ts, utils.ts). What it
 * saves is medplum's per-step work: the type schema look-up, the `[x]` candidate names and the loop over all
 * type names for an absent property are computed once per (type, property) here.
 *
 * Anything this evaluator does not cover exactly (another function or operator, a situation in which medplum
 * would throw, a primitive with an `_x` extension, odd JSON) makes it give up with BAIL; the caller then
 * evaluates the expression with medplum, so findings and messages stay medplum's.
 */

type Collection = TypedValue[];
export type Variables = (name: string) => TypedValue | undefined;
type Compiled = (input: Collection, vars: Variables) => Collection;

/** Thrown to abandon the fast evaluation (as is any other error); never escapes evaluateFast. */
const BAIL = new Error('fast FHIRPath bail-out');

const TRUE: Collection = [{ type: PropertyType.boolean, value: true }];
const FALSE: Collection = [{ type: PropertyType.boolean, value: false }];
const NONE: Collection = [];
const bool = (b: boolean): Collection => (b ? TRUE : FALSE);

/** A compiled expression, or undefined when it uses something this evaluator does not implement. */
export function compileFast(atom: FhirPathAtom): Compiled | undefined {
  try {
    return compile(atom);
  } catch {
    return undefined; // unsupported: medplum evaluates it
  }
}

/** The result as medplum would give it, or undefined when medplum has to decide. */
export function evaluateFast(fn: Compiled, focus: TypedValue, vars: Variables): Collection | undefined {
  try {
    // As evalFhirPathTyped: results through valueOf() (a primitive with `_x` is a String/Boolean object).
    return fn([focus], vars).map((v) => ({
      type: v.type,
      value: (v.value as { valueOf(): unknown } | null | undefined)?.valueOf(),
    }));
  } catch {
    // BAIL, or an error medplum would meet in the same place: medplum evaluates it and reports its own way.
    return undefined;
  }
}

function compile(atom: unknown): Compiled {
  if (atom instanceof FhirPathAtom) {
    const child = compile(atom.child);
    // Binds $this per item; SymbolAtom('$this') returns its input, so only the per-item split matters.
    return (input, vars) => (input.length <= 1 ? child(input, vars) : input.flatMap((e) => child([e], vars)));
  }
  if (atom instanceof LiteralAtom) {
    const value = [atom.value];
    return () => value;
  }
  if (atom instanceof SymbolAtom) return compileSymbol(atom.name);
  if (atom instanceof DotAtom) {
    const left = compile(atom.left);
    const right = compile(atom.right);
    return (input, vars) => right(left(input, vars), vars);
  }
  if (atom instanceof FunctionAtom) return compileFunction(atom);
  if (atom instanceof AndAtom || atom instanceof OrAtom || atom instanceof ImpliesAtom) {
    const left = compile(atom.left);
    const right = compile(atom.right);
    const op = atom instanceof AndAtom ? and : atom instanceof OrAtom ? or : implies;
    // medplum evaluates both operands (no short-circuit), so must we: the right one may be what throws.
    return (input, vars) => op(booleanOf(left(input, vars)), booleanOf(right(input, vars)));
  }
  if (atom instanceof EqualsAtom || atom instanceof NotEqualsAtom) {
    const left = compile(atom.left);
    const right = compile(atom.right);
    const negate = atom instanceof NotEqualsAtom;
    return (input, vars) => equals(left(input, vars), right(input, vars), negate);
  }
  throw BAIL;
}

function compileSymbol(symbol: string): Compiled {
  const name = intern(symbol);
  if (name === '$this') return (input) => input;
  if (name.startsWith('%')) {
    return (_input, vars) => {
      const value = vars(name);
      if (value === undefined) throw BAIL; // medplum: "Undefined variable"
      return [value];
    };
  }
  if (name.startsWith('$')) throw BAIL;
  const byType = new Map<string, Resolution>();
  return (input) => {
    let out: Collection = NONE;
    for (const e of input) {
      const found = property(e, name, byType);
      if (found === undefined) continue;
      if (Array.isArray(found)) {
        for (const f of found) if (f.value !== undefined) (out === NONE ? (out = []) : out).push(f);
      } else if (found.value !== undefined) (out === NONE ? (out = []) : out).push(found);
    }
    return out;
  };
}

function compileFunction(atom: FunctionAtom): Compiled {
  const args = atom.args;
  switch (atom.name) {
    case 'exists':
      if (args.length) break;
      return (input) => bool(input.length > 0 && input.every((e) => !isEmpty(e.value)));
    case 'empty':
      return (input) => bool(input.length === 0 || input.every((e) => isEmpty(e.value)));
    case 'hasValue':
      return (input) => bool(input.length !== 0);
    case 'count':
      return (input) => [{ type: PropertyType.integer, value: input.length }];
    case 'not':
      return (input) => {
        if (input.length === 0) return NONE;
        const value = input.length === 1 ? input[0].value : undefined;
        if (typeof value !== 'boolean') throw BAIL; // toBoolean() conversions and its errors: medplum's
        return bool(!value);
      };
    case 'where': {
      if (args.length !== 1) break;
      const criteria = compile(args[0]);
      return (input, vars) =>
        input.filter((e) => {
          const r = criteria([e], vars);
          return r.length > 0 && !!r[0].value;
        });
    }
    case 'extension': {
      const url = args.length === 1 && args[0] instanceof LiteralAtom ? args[0].value.value : undefined;
      if (typeof url !== 'string') break;
      // medplum: the first extension with that url of the first input item.
      return (input) => {
        const holder = input[0]?.value as { extension?: unknown } | undefined;
        if (!holder) return NONE;
        const list = holder.extension;
        if (list === undefined) return NONE;
        if (!Array.isArray(list)) throw BAIL;
        for (const e of list as unknown[]) {
          if (e === null || e === undefined) throw BAIL; // medplum's find() reads e.url and throws
          if ((e as { url?: unknown }).url === url) return [{ type: PropertyType.Extension, value: e }];
        }
        return NONE;
      };
    }
  }
  throw BAIL;
}

/** singleton(x, 'boolean') of medplum's boolean operators; throws there for anything else. */
function booleanOf(c: Collection): TypedValue | undefined {
  if (c.length === 0) return undefined;
  if (c.length === 1 && c[0].type === PropertyType.boolean) return c[0];
  throw BAIL;
}

// The operators exactly as medplum's AndAtom/OrAtom/ImpliesAtom (values may be Boolean objects).
function and(l: TypedValue | undefined, r: TypedValue | undefined): Collection {
  if (l?.value === true && r?.value === true) return TRUE;
  if (l?.value === false || r?.value === false) return FALSE;
  return NONE;
}

function or(l: TypedValue | undefined, r: TypedValue | undefined): Collection {
  if (l?.value === false && r?.value === false) return FALSE;
  if (l?.value || r?.value) return TRUE;
  return NONE;
}

function implies(l: TypedValue | undefined, r: TypedValue | undefined): Collection {
  if (r?.value === true || l?.value === false) return TRUE;
  if (!l || !r) return NONE;
  return FALSE;
}

/** fhirPathArrayEquals / NotEquals, for primitive values only. */
function equals(x: Collection, y: Collection, negate: boolean): Collection {
  if (x.length === 0 || y.length === 0) return NONE;
  if (x.length !== y.length) return bool(negate);
  const all = x.every((a, i) => primitiveEquals(unwrap(a.value), unwrap(y[i].value)));
  return bool(negate ? !all : all);
}

/** fhirPathEquals compares `value?.valueOf()`. */
const unwrap = (v: unknown): unknown => (v as { valueOf(): unknown } | null | undefined)?.valueOf();

function primitiveEquals(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  const tb = typeof b;
  if (
    (ta !== 'string' && ta !== 'number' && ta !== 'boolean') ||
    (tb !== 'string' && tb !== 'number' && tb !== 'boolean')
  )
    throw BAIL;
  if (ta === 'number' && tb === 'number') return Math.abs((a as number) - (b as number)) < 1e-8;
  return a === b;
}

// ---- property navigation: medplum's getTypedPropertyValue with the per-(type, name) work cached ----

interface Candidate {
  key: string;
  extKey: string;
  code: string;
}

type Resolution =
  | { schema: true; candidates: Candidate[]; firstType: string }
  | { schema: false; choices: Map<string, string>; inPrototype: boolean };

const TYPE_NAMES = Object.values(PropertyType) as string[];

/** `byType` is the symbol's own cache: type → resolution of this property name. */
function resolve(type: string, name: string, byType: Map<string, Resolution>): Resolution {
  let r = byType.get(type);
  if (!r) {
    const element = getElementDefinition(type, name);
    if (element) {
      const last = element.path.substring(element.path.lastIndexOf('.') + 1);
      const candidates = (element.type ?? []).map((t) => {
        const key = last.replace('[x]', capitalize(t.code));
        return { key: intern(key), extKey: intern(`_${key}`), code: t.code };
      });
      r = { schema: true, candidates, firstType: element.type?.[0]?.code ?? '' };
    } else {
      const trimmed = name.endsWith('[x]') ? name.slice(0, -3) : name;
      const choices = new Map<string, string>();
      for (const t of TYPE_NAMES) {
        const key = intern(trimmed + capitalize(t));
        if (!choices.has(key)) choices.set(key, t);
      }
      const inPrototype = name in Object.prototype || [...choices.keys()].some((k) => k in Object.prototype);
      r = { schema: false, choices, inPrototype };
    }
    // Types come from the walker's element types; bounded anyway.
    if (byType.size < 1000) byType.set(type, r);
  }
  return r;
}

/** SymbolAtom.evalValue + getTypedPropertyValue. */
function property(
  e: TypedValue,
  name: string,
  byType: Map<string, Resolution>,
): Collection | TypedValue | undefined {
  const input = e.value as Record<string, unknown> | null | undefined;
  if (!input || typeof input !== 'object') return undefined;
  if ('resourceType' in input && input.resourceType === name) return e;
  const r = resolve(e.type, name, byType);
  if (r.schema) return withSchema(input, r);
  // `in` looks through the prototype chain; for plain JSON objects only Object.prototype is on it.
  const proto = Object.getPrototypeOf(input) as unknown;
  if (proto !== Object.prototype && proto !== null) throw BAIL;
  return withoutSchema(input, name, r);
}

function withSchema(
  input: Record<string, unknown>,
  r: Extract<Resolution, { schema: true }>,
): Collection | TypedValue | undefined {
  if (!r.candidates.length) return undefined;
  let value: unknown;
  let ext: unknown;
  let type = 'undefined';
  for (const c of r.candidates) {
    value = input[c.key];
    ext = input[c.extKey];
    if (value !== undefined || ext !== undefined) {
      type = c.code;
      break;
    }
  }
  if (ext) value = withPrimitiveExtension(value, ext);
  if (isEmpty(value)) return undefined;
  if (type === 'Element' || type === 'BackboneElement') type = r.firstType;
  if (Array.isArray(value)) return value.map((v) => typed(v, type));
  return typed(value, type);
}

/** medplum merges `_x` into the value (a String/Number/Boolean object then), element by element for lists. */
function withPrimitiveExtension(value: unknown, ext: unknown): unknown {
  const exts = ext as unknown[];
  if (Array.isArray(value)) {
    const out = value.slice();
    for (let i = 0; i < Math.max(out.length, exts.length); i++) out[i] = assign(out[i], exts[i]);
    return out;
  }
  if (!value && Array.isArray(ext)) return ext.map((e) => assign(undefined, e));
  return assign(value, ext);
}

/** assignPrimitiveExtension, where it does not change the instance (else medplum does it). */
function assign(target: unknown, ext: unknown): unknown {
  if (!ext) return target;
  if (typeof ext !== 'object') throw BAIL; // medplum: "Primitive extension must be an object"
  // medplum deletes these keys from the instance's `_x` and assigns into object targets in place.
  if (Object.hasOwn(ext, '__proto__') || Object.hasOwn(ext, 'constructor')) throw BAIL;
  if (target !== null && typeof target === 'object') throw BAIL;
  return Object.assign(target ?? {}, ext) as unknown;
}

function typed(value: unknown, type: string): TypedValue {
  if (type === 'Resource' && value && typeof value === 'object' && 'resourceType' in value) {
    return { type: (value as { resourceType: string }).resourceType, value };
  }
  return { type, value };
}

function withoutSchema(
  input: Record<string, unknown>,
  name: string,
  r: Extract<Resolution, { schema: false }>,
): Collection | TypedValue | undefined {
  let result: Collection | TypedValue | undefined;
  if (r.inPrototype ? name in input : Object.prototype.hasOwnProperty.call(input, name)) {
    const value = input[name];
    result = Array.isArray(value) ? value.map((v) => toTypedValue(v)) : toTypedValue(value);
  } else {
    // The first type name (in PropertyType order) for which `name<Type>` is a property.
    let best: string | undefined;
    let bestIndex = Infinity;
    const keys = r.inPrototype ? [...r.choices.keys()].filter((k) => k in input) : Object.keys(input);
    for (const k of keys) {
      const t = r.choices.get(k);
      if (t === undefined) continue;
      const index = TYPE_NAMES.indexOf(t);
      if (index < bestIndex) [best, bestIndex] = [k, index];
    }
    if (best !== undefined) {
      const t = TYPE_NAMES[bestIndex];
      const value = input[best];
      result = Array.isArray(value) ? value.map((v) => ({ type: t, value: v })) : { type: t, value };
    }
  }
  if (Array.isArray(result)) return result.length === 0 || isEmpty(result[0]) ? undefined : result;
  return isEmpty(result) ? undefined : result;
}

function capitalize(word: string): string {
  return word ? word.charAt(0).toUpperCase() + word.substring(1) : '';
}
