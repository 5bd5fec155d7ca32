import type { ElementDefinitionSlicingDiscriminator } from '@medplum/fhirtypes';
import type { ElementNode } from './element-tree';
import { isObject, type InstanceNode, type ValidationContext } from './context';
import { matchesFixed, matchesPattern } from './fixed-pattern';
import { referenceString, resolveReference } from './references';
import type { Terminology } from './terminology';
import { intern } from './instance-items';

/** What slicing needs from the profile walker. */
export interface SliceHost {
  readonly terminology: Terminology;
  /** Children that apply below `el` (its own, or those of its type profile / base type). */
  childrenFor(el: ElementNode): Map<string, ElementNode>;
  /** Does `value` (of `type`) conform to the profile, i.e. validate without errors? */
  conforms(value: unknown, type: string, profile: string, ctx: ValidationContext): boolean;
}

interface Value {
  value: unknown;
  type: string;
}

type Target = ElementNode | { targets: string[] } | undefined;

/** The first slice of `owner` whose discriminators all match `item`, or undefined. */
export function matchingSlice(
  item: InstanceNode,
  owner: ElementNode,
  host: SliceHost,
  ctx: ValidationContext,
): ElementNode | undefined {
  const discriminators = owner.slicing?.discriminator ?? [];
  // Without discriminators nothing can be told apart; the HL7 validator then tries each slice in turn.
  return owner.slices.find((slice) => discriminators.every((d) => matches(item, slice, d, host, ctx)));
}

function matches(
  item: InstanceNode,
  slice: ElementNode,
  d: ElementDefinitionSlicingDiscriminator,
  host: SliceHost,
  ctx: ValidationContext,
): boolean {
  const path = compiledPath(d.path);
  const values = evalPath([{ value: item.value, type: item.type }], path.steps, ctx);
  const def = definitionFor(slice, path, host);
  switch (d.type) {
    case 'value':
    case 'pattern':
      return matchesValue(values, def, host);
    case 'exists':
      return (
        !def ||
        'targets' in def ||
        (def.min >= 1 ? values.length > 0 : def.max === 0 ? values.length === 0 : true)
      );
    case 'type':
      return !def || 'targets' in def || values.every((v) => def.types.some((t) => t.code === v.type));
    case 'profile':
      return matchesProfile(values, def, host, ctx);
    default:
      return false;
  }
}

function matchesValue(values: Value[], def: Target, host: SliceHost): boolean {
  if (!def || 'targets' in def) return false;
  if (def.fixed !== undefined) return values.some((v) => matchesFixed(v.value, def.fixed));
  if (def.pattern !== undefined) return values.some((v) => matchesPattern(v.value, def.pattern));
  const vs = def.def.binding?.strength === 'required' ? def.def.binding.valueSet : undefined;
  // A code that cannot be decided locally (COD016, SNOMED refsets) still belongs to the slice whose value set
  // includes its system; the binding check then reports it as unverifiable.
  if (vs)
    return values.some((v) =>
      codes(v.value).some((c) => host.terminology.validate(vs, c.system, c.code).result !== 'not-member'),
    );
  return false;
}

function matchesProfile(values: Value[], def: Target, host: SliceHost, ctx: ValidationContext): boolean {
  if (!def) return false;
  const profiles = 'targets' in def ? def.targets : def.types.flatMap((t) => t.profiles);
  if (!profiles.length || !values.length) return false;
  return values.every((v) => profiles.some((p) => host.conforms(v.value, v.type, p, ctx)));
}

/** The element definition inside `slice` that a discriminator path points at. */
function findDefinition(slice: ElementNode, segments: string[], host: SliceHost): Target {
  let cur: ElementNode | undefined = slice;
  for (const seg of segments) {
    if (!cur) return undefined;
    if (seg === '$this' || seg.startsWith('ofType(')) continue;
    if (seg === 'resolve()') return { targets: cur.types.flatMap((t) => t.targetProfiles) };
    const url = extensionUrl(seg);
    if (url) {
      cur = extensionSlice(host.childrenFor(cur).get('extension'), url, host);
      continue;
    }
    const children: Map<string, ElementNode> = host.childrenFor(cur);
    cur = children.get(seg) ?? children.get(`${seg}[x]`);
  }
  return cur;
}

function extensionSlice(
  owner: ElementNode | undefined,
  url: string,
  host: SliceHost,
): ElementNode | undefined {
  return owner?.slices.find(
    (s) => s.types.some((t) => t.profiles.includes(url)) || host.childrenFor(s).get('url')?.fixed === url,
  );
}

/** A discriminator path segment, classified once. */
type Step =
  | { kind: 'this' }
  | { kind: 'resolve' }
  | { kind: 'ofType'; type: string }
  | { kind: 'extension'; url: string }
  | { kind: 'property'; name: string };

interface CompiledPath {
  segments: string[];
  steps: Step[];
}

/** Discriminator paths are few and come from profiles; parsed once each. */
const paths = new Map<string, CompiledPath>();

function compiledPath(path: string): CompiledPath {
  let compiled = paths.get(path);
  if (!compiled) {
    const segments = splitPath(path);
    compiled = { segments, steps: segments.map(classify) };
    paths.set(path, compiled);
  }
  return compiled;
}

function classify(seg: string): Step {
  if (seg === '$this') return { kind: 'this' };
  if (seg === 'resolve()') return { kind: 'resolve' };
  const ofType = /^ofType\((\w+)\)$/.exec(seg);
  if (ofType) return { kind: 'ofType', type: ofType[1] };
  const url = extensionUrl(seg);
  return url ? { kind: 'extension', url } : { kind: 'property', name: intern(seg) };
}

/** findDefinition per slice and discriminator path; it depends on the profiles only, not the instance. */
function definitionFor(slice: ElementNode, path: CompiledPath, host: SliceHost): Target {
  let defs = slice.cache.discriminatorTargets as Map<CompiledPath, Target> | undefined;
  if (!defs) slice.cache.discriminatorTargets = defs = new Map();
  if (defs.has(path)) return defs.get(path);
  const def = findDefinition(slice, path.segments, host);
  defs.set(path, def);
  return def;
}

/** Evaluates the simple FHIRPath subset that discriminators use. */
function evalPath(input: Value[], steps: Step[], ctx: ValidationContext): Value[] {
  let cur = input;
  for (const s of steps) {
    const next: Value[] = [];
    for (const v of cur) step(v, s, ctx, next);
    cur = next;
  }
  return cur;
}

/** Appends what one step yields for `v` to `out`. */
function step(v: Value, s: Step, ctx: ValidationContext, out: Value[]): void {
  if (s.kind === 'this') return void out.push(v);
  if (s.kind === 'resolve') {
    const ref = referenceString(v.value);
    const target = ref ? resolveReference(ref, ctx) : undefined;
    if (target) out.push({ value: target, type: target.resourceType });
    return;
  }
  if (s.kind === 'ofType') {
    if (v.type === s.type) out.push(v);
    return;
  }
  if (!isObject(v.value)) return;
  if (s.kind === 'extension') {
    const exts = Array.isArray(v.value.extension) ? (v.value.extension as unknown[]) : [];
    for (const e of exts) if (isObject(e) && e.url === s.url) out.push({ value: e, type: 'Extension' });
    return;
  }
  const child = v.value[s.name];
  if (Array.isArray(child)) for (const value of child as unknown[]) out.push({ value, type: '' });
  else if (child !== undefined) out.push({ value: child, type: '' });
}

/** `extension('u')` or `extension(url='u')` → u. */
function extensionUrl(seg: string): string | undefined {
  return /^extension\((?:url\s*=\s*)?'([^']+)'\)$/.exec(seg)?.[1];
}

/** Splits a discriminator path on dots outside parentheses and quotes. */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of path) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (ch === '.' && depth === 0 && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function codes(value: unknown): { system?: string; code: string }[] {
  if (typeof value === 'string') return [{ code: value }];
  if (!isObject(value)) return [];
  if (Array.isArray(value.coding)) return value.coding.flatMap(codes);
  return typeof value.code === 'string'
    ? [{ system: value.system as string | undefined, code: value.code }]
    : [];
}
