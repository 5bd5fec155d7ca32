import type { ElementNode } from './element-tree';
import { isObject, isPrimitive, type InstanceNode } from './context';

/**
 * One child definition of an element with what walking an instance needs, computed once per children map.
 * The walker visits every child definition of every element it enters; most are absent from the instance,
 * so telling "absent and nothing to report" apart cheaply is the main saving.
 */
export interface ChildSlot {
  readonly name: string;
  readonly el: ElementNode;
  /** `value` for `value[x]`; undefined for single-type elements. */
  readonly stem?: string;
  /** `_name`, the primitive extension sibling of a single-type child. */
  readonly extKey: string;
  /** The declared type when there is exactly one, else `?`. */
  readonly type: string;
  /** An absent child can still be reported: it (or one of its slices, recursively) has min > 0. */
  readonly checkAbsent: boolean;
}

/**
 * The same string as V8's internalized (property-name) copy. Keys built at run time (`_${name}`, split paths)
 * are not, and every `obj[key]` with such a key pays a string-table look-up; profiles showed that as the
 * walker's largest single cost.
 */
export function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0];
}

/** The child slots of one children map, and which instance keys belong to which slot. */
export interface ChildPlan {
  readonly slots: ChildSlot[];
  /** `name` and `_name` → slot index, for single-type children. */
  readonly byKey: Map<string, number>;
  /** Choice children: instance keys starting with `stem` or `_stem` may belong to them. */
  readonly choices: { stem: string; extStem: string; index: number }[];
  /** Slots to visit whatever the instance holds: a minimum can fire, or the name is inherited by objects. */
  readonly always: Uint8Array;
  /** Scratch for slotsToVisit (read back before the walker recurses). */
  readonly seen: Int32Array;
}

const planCache = new WeakMap<Map<string, ElementNode>, ChildPlan>();

export function childPlan(children: Map<string, ElementNode>): ChildPlan {
  let plan = planCache.get(children);
  if (!plan) {
    const slots: ChildSlot[] = [...children].map(([name, el]) => ({
      name: intern(name),
      el,
      stem: name.endsWith('[x]') ? intern(name.slice(0, -3)) : undefined,
      extKey: intern(`_${name}`),
      type: el.types.length === 1 ? el.types[0].code : '?',
      checkAbsent: reportsWhenAbsent(el),
    }));
    const byKey = new Map<string, number>();
    const choices: ChildPlan['choices'] = [];
    const always = new Uint8Array(slots.length);
    slots.forEach((slot, i) => {
      if (slot.stem !== undefined) choices.push({ stem: slot.stem, extStem: `_${slot.stem}`, index: i });
      else [slot.name, slot.extKey].forEach((k) => byKey.set(k, i));
      // `obj[name]` also finds Object.prototype members; such a name is never skipped.
      if (slot.checkAbsent || slot.name in Object.prototype || slot.extKey in Object.prototype) always[i] = 1;
    });
    plan = { slots, byKey, choices, always, seen: new Int32Array(slots.length) };
    planCache.set(children, plan);
  }
  return plan;
}

let generation = 0;

/**
 * The indices of the slots `collect` can find something for (plus those in `always`), in slot order, from the
 * object's own keys: looking every child definition up on the object (most are absent) costs more than one
 * pass over the keys it has. Only for plain objects (prototype Object.prototype or null), whose properties are
 * their own enumerable keys plus Object.prototype's; for any other object every slot is visited.
 */
export function slotsToVisit(obj: Record<string, unknown>, plan: ChildPlan, keys: string[]): number[] {
  const proto = Object.getPrototypeOf(obj) as unknown;
  if (proto !== Object.prototype && proto !== null) return plan.slots.map((_, i) => i);
  // plan.seen[i] === mark: slot i is present. A fresh mark per call instead of clearing an array.
  const mark = (generation = (generation + 1) | 0);
  const seen = plan.seen;
  for (const key of keys) {
    const i = plan.byKey.get(key);
    if (i !== undefined) seen[i] = mark;
    for (const c of plan.choices)
      if (key.startsWith(c.stem) || key.startsWith(c.extStem)) seen[c.index] = mark;
  }
  const visit: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i] === mark || plan.always[i]) visit.push(i);
  return visit;
}

/** Mirrors validateList on an empty list: only a minimum (of the element or a slice) can fire. */
function reportsWhenAbsent(el: ElementNode): boolean {
  if (el.min > 0) return true;
  return !!el.slicing && el.slices.length > 0 && el.slices.some(reportsWhenAbsent);
}

/**
 * The instance values for one child definition (all choice variants for `x[x]`), with types and paths.
 * `keys` is Object.keys(obj), passed in so that several choice children share one call.
 */
export function collect(
  obj: Record<string, unknown>,
  slot: ChildSlot,
  parentPath: string,
  keys: () => string[],
): InstanceNode[] {
  const stem = slot.stem;
  if (stem === undefined) {
    if (obj[slot.name] === undefined && obj[slot.extKey] === undefined) return NONE;
    return itemsOf(obj, slot.name, slot.extKey, slot.type, parentPath);
  }
  let out: InstanceNode[] = NONE;
  const all = keys();
  for (const key of all) {
    if (!key.startsWith(stem) || key.length === stem.length || !isUpper(key.charCodeAt(stem.length)))
      continue;
    out = out.concat(itemsOf(obj, key, extKeyOf(key), choiceType(key.slice(stem.length)), parentPath));
  }
  const extStem = `_${stem}`;
  for (const key of all) {
    if (!key.startsWith(extStem) || key.length - 1 <= stem.length) continue;
    const k = valueKeyOf(key);
    if (obj[k] === undefined)
      out = out.concat(itemsOf(obj, k, key, choiceType(k.slice(stem.length)), parentPath));
  }
  return out;
}

/** Shared empty result; never mutated (callers only read item lists). */
const NONE: InstanceNode[] = [];

const isUpper = (code: number) => code >= 65 && code <= 90;

/** Interned `_key` / `key` for choice keys seen in instances (bounded: keys come from input). */
const extKeys = new Map<string, string>();
const valueKeys = new Map<string, string>();

function extKeyOf(key: string): string {
  let ext = extKeys.get(key);
  if (ext === undefined) {
    ext = intern(`_${key}`);
    if (extKeys.size < 1000) extKeys.set(key, ext);
  }
  return ext;
}

function valueKeyOf(extKey: string): string {
  let key = valueKeys.get(extKey);
  if (key === undefined) {
    key = intern(extKey.slice(1));
    if (valueKeys.size < 1000) valueKeys.set(extKey, key);
  }
  return key;
}

function itemsOf(
  obj: Record<string, unknown>,
  key: string,
  extKey: string,
  type: string,
  parentPath: string,
): InstanceNode[] {
  const value = obj[key];
  const ext = obj[extKey];
  if (value === undefined && ext === undefined) return NONE;
  const path = `${parentPath}.${key}`;
  if (!Array.isArray(value) && !Array.isArray(ext)) {
    return [{ value, ext: isObject(ext) ? ext : undefined, path, type: typeOf(value, type) }];
  }
  const values: unknown[] = Array.isArray(value) ? value : [];
  const exts: unknown[] = Array.isArray(ext) ? ext : [];
  const length = Math.max(values.length, exts.length);
  const out: InstanceNode[] = new Array<InstanceNode>(length);
  for (let i = 0; i < length; i++) {
    const e = exts[i];
    out[i] = {
      value: values[i] ?? undefined,
      ext: isObject(e) ? e : undefined,
      path: `${path}[${i}]`,
      type: typeOf(values[i], type),
    };
  }
  return out;
}

/** `Resource`-typed elements take the type of the resource they hold. */
function typeOf(value: unknown, declared: string): string {
  if (declared === 'Resource' && isObject(value) && typeof value.resourceType === 'string')
    return value.resourceType;
  return declared;
}

const choiceTypes = new Map<string, string>();

/** `valueDateTime` suffix `DateTime` → `dateTime`; complex types keep their capital. */
function choiceType(suffix: string): string {
  let type = choiceTypes.get(suffix);
  if (type === undefined) {
    const lower = suffix[0].toLowerCase() + suffix.slice(1);
    type = isPrimitive(lower) ? lower : suffix;
    // Suffixes come from instance keys: bound the cache so odd input cannot grow it without limit.
    if (choiceTypes.size < 1000) choiceTypes.set(suffix, type);
  }
  return type;
}
