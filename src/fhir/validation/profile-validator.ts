import { toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { childrenOf, type CompiledProfile, type ElementNode } from './element-tree';
import { checkBinding, checkOwnCodeSystem } from './bindings';
import type { ConformanceStore } from './conformance-store';
import { isObject, isPrimitive, report, type InstanceNode, type ValidationContext } from './context';
import { matchesFixed, matchesPattern } from './fixed-pattern';
import { Invariants } from './invariants';
import { referenceString, resolveReference, typeFromReference } from './references';
import { matchingSlice, type SliceHost } from './slicing';
import { checkValueLimits } from './value-limits';
import { checkPrimitiveValue } from './primitive-values';
import { declaredProfiles } from './declared-profiles';
import { childPlan, collect, slotsToVisit } from './instance-items';

const BASE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Pass 2: walks an instance against a compiled snapshot: cardinality, types and choice types, fixed/pattern,
 * slicing, required bindings, invariants, extensions (by their own definition) and reference targets.
 * Where the snapshot does not dive into an element, its type profile or base type definition applies.
 */
export class ProfileValidator implements SliceHost {
  private readonly invariants: Invariants;

  constructor(
    private readonly store: ConformanceStore,
    /** Pass 1 for resources nested in a Bundle or contained. */
    private readonly nestedSchemaCheck: (resource: Resource, path: string, ctx: ValidationContext) => void,
  ) {
    this.invariants = new Invariants(store.terminology);
  }

  get terminology() {
    return this.store.terminology;
  }

  /** Validates `resource` at `path` against one profile (issues go to ctx). */
  validateResource(resource: Resource, profile: CompiledProfile, path: string, ctx: ValidationContext): void {
    if (profile.type !== resource.resourceType) {
      report(
        ctx,
        undefined,
        'structure',
        `Profile ${profile.url} is for ${profile.type}, not ${resource.resourceType}`,
        path,
      );
      return;
    }
    const outer = { resource: ctx.resource, typed: ctx.resourceTyped };
    ctx.resource = resource;
    ctx.resourceTyped = toTypedValue(resource);
    try {
      this.validateElement({ value: resource, path, type: resource.resourceType }, profile.root, ctx);
    } finally {
      ctx.resource = outer.resource;
      ctx.resourceTyped = outer.typed;
    }
  }

  /** SliceHost: true when `value` validates against `profileUrl` without errors. Memoized per object. */
  conforms(value: unknown, type: string, profileUrl: string, ctx: ValidationContext): boolean {
    const profile = this.store.profile(profileUrl);
    if (!profile || !isObject(value)) return false;
    if (profile.kind === 'resource' && profile.type !== (value.resourceType ?? type)) return false;
    let memo = ctx.conformance.get(value);
    const known = memo?.get(profileUrl);
    if (known !== undefined) return known;
    const key = `${profileUrl}|${String(value.resourceType ?? '')}/${String(value.id ?? '')}`;
    if (ctx.active.has(key)) return true; // a reference cycle: assume conformance rather than loop
    ctx.active.add(key);
    const sub: ValidationContext = { ...ctx, issues: [] };
    if (profile.kind === 'resource') this.validateResource(value as unknown as Resource, profile, type, sub);
    else this.validateElement({ value, path: type, type }, profile.root, sub);
    ctx.active.delete(key);
    const ok = !sub.issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
    if (!memo) ctx.conformance.set(value, (memo = new Map()));
    memo.set(profileUrl, ok);
    return ok;
  }

  /** SliceHost: the children that apply below `el`. */
  childrenFor(el: ElementNode, type?: string): Map<string, ElementNode> {
    const own = childrenOf(el);
    if (own.size) return own;
    const t = el.types.find((x) => x.code === type) ?? el.types[0];
    if (!t) return own;
    const profile = t.profiles.length ? this.store.profile(t.profiles[0]) : this.store.base(t.code);
    return profile ? childrenOf(profile.root) : own;
  }

  private validateElement(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
    this.checkValue(node, el, ctx);
    const nested = isNestedElement(el);
    if (nested && isObject(node.value) && typeof node.value.resourceType === 'string') {
      return this.validateNested(node.value as unknown as Resource, node.path, ctx);
    }
    const own = childrenOf(el);
    // A primitive's children (id, extension) are checked even without `_x`, so their min applies.
    if (isPrimitive(node.type) && own.size) return this.walkChildren(node, own, ctx);
    if (!isObject(node.value) && !node.ext) return;
    if (node.type === 'Extension' && this.validateByExtensionUrl(node, el, ctx)) return;
    if (own.size) return this.walkChildren(node, own, ctx);
    const type = el.types.find((t) => t.code === node.type);
    const profiles = type?.profiles ?? [];
    if (profiles.length) return this.validateAgainstTypeProfiles(node, profiles, ctx);
    const base = nested ? this.store.base(node.type) : undefined;
    if (base) return this.validateElement(node, base.root, ctx);
    if (isPrimitive(node.type)) this.walkPrimitiveExtensions(node, ctx);
  }

  /**
   * An extension whose element does not pin its definition (open slicing, plain `extension`) is validated
   * against the StructureDefinition its url names. Returns true when handled.
   */
  private validateByExtensionUrl(node: InstanceNode, el: ElementNode, ctx: ValidationContext): boolean {
    let pinned = el.cache.pinned as boolean | undefined;
    if (pinned === undefined) {
      pinned = el.types.some((t) => t.profiles.length) || childrenOf(el).get('url')?.fixed !== undefined;
      el.cache.pinned = pinned;
    }
    if (pinned || !isObject(node.value)) return false;
    const url = node.value.url;
    if (typeof url !== 'string') return false;
    const sd = this.store.profile(url);
    if (!sd) {
      report(ctx, el, 'structure', `Unknown extension ${url}; not validated`, node.path, 'warning');
      return false;
    }
    if (sd.root === el) return false;
    this.validateElement(node, sd.root, ctx);
    return true;
  }

  private validateAgainstTypeProfiles(node: InstanceNode, profiles: string[], ctx: ValidationContext): void {
    const known = profiles.map((p) => this.store.profile(p)).filter((p): p is CompiledProfile => !!p);
    if (!known.length) {
      const base = this.store.base(node.type);
      if (base) this.validateElement(node, base.root, ctx);
      return;
    }
    if (known.length === 1) return this.validateElement(node, known[0].root, ctx);
    // Several allowed profiles: it must meet one; report the closest.
    const runs = known.map((p) => {
      const sub: ValidationContext = { ...ctx, issues: [] };
      this.validateElement(node, p.root, sub);
      return sub.issues;
    });
    const best = runs.reduce((a, b) => (errors(b) < errors(a) ? b : a));
    ctx.issues.push(...best);
  }

  private walkChildren(node: InstanceNode, children: Map<string, ElementNode>, ctx: ValidationContext): void {
    const primitive = isPrimitive(node.type);
    const obj = primitive ? (node.ext ?? {}) : (node.value as Record<string, unknown>);
    // A value of the wrong JSON kind was reported by the kind check; it has no children to walk.
    if (obj === null || typeof obj !== 'object') return;
    let keys: string[] | undefined;
    const keysOf = () => (keys ??= Object.keys(obj));
    // ele-1 for complex elements: something besides `id`.
    if (!primitive && !keysOf().some((k) => k !== 'id')) {
      report(
        ctx,
        undefined,
        'invariant',
        'Constraint ele-1 failed: All FHIR elements must have a @value or children',
        node.path,
      );
    }
    const plan = childPlan(children);
    // A child the instance lacks is skipped unless its list check can fire (a minimum somewhere in it).
    for (const i of slotsToVisit(obj, plan, keysOf())) {
      const slot = plan.slots[i];
      if (primitive && slot.name === 'value') continue;
      const items = collect(obj, slot, node.path, keysOf);
      if (!items.length && !slot.checkAbsent) continue;
      this.checkTypes(items, slot.el, ctx);
      this.validateList(items, slot.el, `${node.path}.${slot.name}`, ctx);
    }
  }

  private walkPrimitiveExtensions(node: InstanceNode, ctx: ValidationContext): void {
    const base = this.store.base('Element');
    if (base && node.ext) this.walkChildren({ ...node, type: 'string' }, childrenOf(base.root), ctx);
  }

  /** Cardinality of `el`, then slicing; unsliced items are validated against `el` itself. */
  private validateList(items: InstanceNode[], el: ElementNode, path: string, ctx: ValidationContext): void {
    const slice = () => (el.def.sliceName ? ` slice '${el.def.sliceName}'` : '');
    if (items.length < el.min) {
      report(
        ctx,
        el,
        'required',
        `${path}${slice()}: minimum required = ${el.min}, but only found ${items.length}`,
        path,
      );
    }
    if (items.length > el.max) {
      report(
        ctx,
        el,
        'structure',
        `${path}${slice()}: max allowed = ${el.max}, but found ${items.length}`,
        path,
      );
    }
    if (!el.slicing || !el.slices.length) {
      for (const item of items) this.validateElement(item, el, ctx);
      return;
    }
    this.validateSliced(items, el, path, ctx);
  }

  private validateSliced(items: InstanceNode[], el: ElementNode, path: string, ctx: ValidationContext): void {
    const bySlice = new Map<ElementNode, InstanceNode[]>(el.slices.map((s) => [s, []]));
    let lastSlice = -1;
    for (const item of items) {
      const slice = matchingSlice(item, el, this, ctx);
      const index = slice ? el.slices.indexOf(slice) : el.slices.length;
      if (el.slicing?.ordered && index < lastSlice) {
        report(ctx, el, 'structure', `${item.path} is out of order for ordered slicing`, item.path);
      }
      lastSlice = Math.max(lastSlice, index);
      if (slice) bySlice.get(slice)?.push(item);
      else if (el.slicing?.rules === 'closed') {
        report(
          ctx,
          el,
          'structure',
          `${item.path} does not match any slice of closed slicing on ${path}`,
          item.path,
        );
      } else this.validateElement(item, el, ctx);
    }
    for (const [slice, sliceItems] of bySlice) this.validateList(sliceItems, slice, path, ctx);
  }

  /** Choice and multi-type elements: the instance's type must be one the element allows. */
  private checkTypes(items: InstanceNode[], el: ElementNode, ctx: ValidationContext): void {
    if (el.types.length === 0) return;
    for (const item of items) {
      if (item.type === '?' || el.types.some((t) => t.code === item.type || t.code === 'Resource')) continue;
      const allowed = el.types.map((t) => t.code).join(', ');
      report(
        ctx,
        el,
        'structure',
        `Type ${item.type} is not allowed at ${item.path} (allowed: ${allowed})`,
        item.path,
      );
    }
  }

  /** Rules on the value itself: fixed, pattern, binding, limits, invariants, references, nested resources. */
  private checkValue(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
    const value = node.value;
    if (el.fixed !== undefined && value !== undefined && !matchesFixed(value, el.fixed)) {
      report(ctx, el, 'value', `Value must be exactly ${JSON.stringify(el.fixed)}`, node.path);
    }
    if (el.pattern !== undefined && value !== undefined && !matchesPattern(value, el.pattern)) {
      report(
        ctx,
        el,
        'value',
        `Value does not match the required pattern ${JSON.stringify(el.pattern)}`,
        node.path,
      );
    }
    checkBinding(node, el, this.store.terminology, ctx);
    checkOwnCodeSystem(node, this.store.terminology, ctx);
    checkValueLimits(node, el, ctx);
    checkPrimitiveValue(node, el, ctx);
    this.invariants.check(node, el, ctx);
    if (node.type === 'Reference') this.checkReference(node, el, ctx);
  }

  /** Contained resources and Bundle entries: schema + base definition + their own meta.profile. */
  private validateNested(resource: Resource, path: string, ctx: ValidationContext): void {
    this.nestedSchemaCheck(resource, path, ctx);
    const profiles = declaredProfiles(resource)
      .map((p) => this.store.profile(p))
      .filter((p) => !!p);
    const targets = profiles.length ? profiles : [this.store.base(resource.resourceType)];
    // `#id` inside a Bundle entry refers to that entry's contained; inside contained, to the container's.
    const outerRoot = ctx.rootResource;
    if (!/\.contained\[\d+\]$/.test(path)) ctx.rootResource = resource;
    try {
      for (const p of targets) if (p) this.validateResource(resource, p, path, ctx);
    } finally {
      ctx.rootResource = outerRoot;
    }
  }

  private checkReference(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
    const ref = referenceString(node.value);
    const targets = el.types.find((t) => t.code === 'Reference')?.targetProfiles ?? [];
    if (!ref || !targets.length || targets.some((t) => t === `${BASE}Resource`)) return;
    const target = resolveReference(ref, ctx);
    const type = target?.resourceType ?? typeFromReference(ref);
    const allowed = targets.map((t) => ({ url: t, type: this.store.definition(t)?.type }));
    if (type && allowed.every((a) => a.type && a.type !== type)) {
      const list = [...new Set(allowed.map((a) => a.type))].join(', ');
      report(
        ctx,
        el,
        'structure',
        `Reference to a ${type} is not allowed here (allowed: ${list})`,
        `${node.path}.reference`,
      );
      return;
    }
    const profiles = allowed.filter((a) => a.type === type && !a.url.startsWith(BASE)).map((a) => a.url);
    if (!target || !profiles.length || allowed.some((a) => a.type === type && a.url.startsWith(BASE))) return;
    if (profiles.some((p) => this.conforms(target, type as string, p, ctx))) return;
    const msg = `Referenced ${ref} does not conform to ${profiles.join(' or ')}`;
    report(ctx, el, 'structure', msg, `${node.path}.reference`);
  }
}

/** Not the root of its definition (`Patient.contained`, not `Patient`); looked up once per element. */
function isNestedElement(el: ElementNode): boolean {
  let nested = el.cache.nested as boolean | undefined;
  if (nested === undefined) el.cache.nested = nested = el.def.path.includes('.');
  return nested;
}

function errors(issues: { severity: string }[]): number {
  return issues.filter((i) => i.severity === 'error').length;
}
