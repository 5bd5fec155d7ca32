import { evalFhirPathTyped, parseFhirPath, type FhirPathAtom, type TypedValue } from '@medplum/core';
import type { ElementDefinitionConstraint } from '@medplum/fhirtypes';
import type { ElementNode } from './element-tree';
import { isObject, report, type InstanceNode, type ValidationContext } from './context';
import type { Terminology } from './terminology';
import { compileFast, evaluateFast, type Variables } from './fast-fhirpath';

/**
 * FHIRPath invariants (ElementDefinition.constraint) with @medplum/core. Expressions are parsed once per
 * element. ele-1 and ext-1 hold on every element/extension, so they are checked natively (fast, and medplum
 * does not implement children()). memberOf('vs') is not in medplum either: `path.memberOf('url')` is evaluated
 * here against the local terminology and passed in as a variable.
 */
interface CompiledConstraint {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  atom?: FhirPathAtom;
  /** The same expression for the fast evaluator; medplum decides whenever that one cannot. */
  fast?: ReturnType<typeof compileFast>;
  /** The expression uses %htmlChecks (txt-1/txt-2): only then is the div scanned. */
  html: boolean;
  /** memberOf() calls lifted out of the expression: variable name → (path atom, value set). */
  memberOf: { variable: string; path: FhirPathAtom; valueSet: string }[];
  parseError?: string;
}

const NATIVE = new Set(['ele-1', 'ext-1', 'dom-3']);
const MEMBER_OF = /([A-Za-z_][\w.]*)\.memberOf\('([^']+)'\)/g;
const FOCUS_HAS_VALUE = /(?<![\w.)\]])(?:\$this\.)?hasValue\(\)/g;
const UCUM: TypedValue = { type: 'uri', value: 'http://unitsofmeasure.org' };
/** Functions medplum lacks; expressions using them cannot be decided. */
const UNSUPPORTED = /\b(children|descendants|conformsTo)\(/;
/** medplum's htmlChecks() always answers true; txt-1/txt-2 get this native approximation instead. */
const HTML_CHECKS = /\bhtmlChecks\(\)/g;
const XHTML_ROOT = /^\s*<div\b[^>]*\bxmlns\s*=\s*["']http:\/\/www\.w3\.org\/1999\/xhtml["']/;
const XHTML_FORBIDDEN =
  /<\s*(script|iframe|object|embed|form|input|style|base|link|meta)\b|\son\w+\s*=|javascript:/i;

export class Invariants {
  constructor(private readonly terminology: Terminology) {}

  check(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
    for (const c of this.compiled(el)) this.evaluate(c, node, el, ctx);
    if (node.type === 'Extension') checkExt1(node, el, ctx);
    if (el.cache.dom3 === undefined)
      el.cache.dom3 = el.def.constraint?.some((c) => c.key === 'dom-3') ?? false;
    if (el.cache.dom3) checkDom3(node, el, ctx);
  }

  private evaluate(c: CompiledConstraint, node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
    if (!c.atom) {
      report(
        ctx,
        el,
        'informational',
        `Invariant ${c.key} not evaluated: ${c.parseError}`,
        node.path,
        'information',
      );
      return;
    }
    // A primitive with only `_x` is its extension object, as medplum itself represents it.
    const focus: TypedValue = { type: node.type, value: node.value ?? node.ext };
    const fast = c.fast ? evaluateFast(c.fast, focus, fastVariables(c, node, focus, ctx)) : undefined;
    if (fast && !crossCheck.enabled) return this.conclude(fast, c, node, el, ctx);
    const variables: Record<string, TypedValue> = {
      '%resource': ctx.resourceTyped,
      '%rootResource': ctx.resourceTyped,
      '%context': focus,
      '%ucum': UCUM,
      '%thisHasValue': { type: 'boolean', value: node.value !== undefined && node.value !== null },
    };
    if (c.html) variables['%htmlChecks'] = { type: 'boolean', value: htmlChecks(node.value) };
    try {
      for (const m of c.memberOf) variables[m.variable] = this.memberOf(m, focus, variables);
      const result = evalFhirPathTyped(c.atom, [focus], variables);
      if (fast) crossCheck.compare(c.key, node.path, fast, result);
      this.conclude(result, c, node, el, ctx);
    } catch (err) {
      if (fast) crossCheck.compare(c.key, node.path, fast, err);
      const msg = err instanceof Error ? err.message : String(err);
      report(ctx, el, 'informational', `Invariant ${c.key} not evaluated: ${msg}`, node.path, 'information');
    }
  }

  private conclude(
    result: TypedValue[],
    c: CompiledConstraint,
    node: InstanceNode,
    el: ElementNode,
    ctx: ValidationContext,
  ): void {
    // As the HL7 validator: an invariant fails only on `false`. An empty result means the expression does not
    // apply (ref-1 on a display-only Reference: no reference to check), so it is satisfied.
    if (result.length === 0 || (result.length === 1 && result[0].value === true)) return;
    report(ctx, el, 'invariant', `Constraint ${c.key} failed: ${c.human}`, node.path, c.severity);
  }

  private memberOf(
    m: CompiledConstraint['memberOf'][number],
    focus: TypedValue,
    variables: Record<string, TypedValue>,
  ): TypedValue {
    const values = evalFhirPathTyped(m.path, [focus], variables);
    const member = values.some(({ value }) =>
      codings(value).some((c) => this.terminology.validate(m.valueSet, c.system, c.code).result === 'member'),
    );
    return { type: 'boolean', value: member };
  }

  private compiled(el: ElementNode): CompiledConstraint[] {
    let list = el.cache.invariants as CompiledConstraint[] | undefined;
    if (!list) {
      list = (el.def.constraint ?? []).filter((c) => !NATIVE.has(c.key ?? '') && c.expression).map(compile);
      el.cache.invariants = list;
    }
    return list;
  }
}

function compile(c: ElementDefinitionConstraint): CompiledConstraint {
  const base = {
    key: c.key ?? '?',
    severity: c.severity === 'error' ? 'error' : 'warning',
    human: c.human ?? '',
    html: new RegExp(HTML_CHECKS.source).test(c.expression ?? ''),
  } as const;
  // medplum's hasValue() is "not empty", also for a primitive that only has extensions: decide it natively.
  let expression = (c.expression ?? '')
    .replace(FOCUS_HAS_VALUE, '%thisHasValue')
    .replace(HTML_CHECKS, '%htmlChecks');
  const memberOf: CompiledConstraint['memberOf'] = [];
  expression = expression.replace(MEMBER_OF, (_all, path: string, valueSet: string) => {
    const variable = `%memberOf${memberOf.length}`;
    memberOf.push({ variable, path: parseFhirPath(path), valueSet });
    return variable;
  });
  if (UNSUPPORTED.test(expression)) {
    return { ...base, memberOf, parseError: `uses a FHIRPath function the engine lacks (${c.expression})` };
  }
  try {
    const atom = parseFhirPath(expression);
    // memberOf() variables are computed with medplum; such constraints stay on the medplum path.
    return { ...base, memberOf, atom, fast: memberOf.length ? undefined : compileFast(atom) };
  } catch (err) {
    return { ...base, memberOf, parseError: err instanceof Error ? err.message : String(err) };
  }
}

/** The variables of `evaluate`, looked up on demand: most expressions use none of them. */
function fastVariables(
  c: CompiledConstraint,
  node: InstanceNode,
  focus: TypedValue,
  ctx: ValidationContext,
): Variables {
  return (name) => {
    switch (name) {
      case '%resource':
      case '%rootResource':
        return ctx.resourceTyped;
      case '%context':
        return focus;
      case '%ucum':
        return UCUM;
      case '%thisHasValue':
        return { type: 'boolean', value: node.value !== undefined && node.value !== null };
      case '%htmlChecks':
        return c.html ? { type: 'boolean', value: htmlChecks(node.value) } : undefined;
      default:
        return undefined;
    }
  };
}

/**
 * Test hook: with `enabled`, every fast result is also computed by medplum and differences are collected
 * (the fast evaluator must agree with medplum exactly, including where medplum throws: then it must bail).
 */
export const crossCheck = {
  enabled: false,
  fastEvaluations: 0,
  mismatches: [] as string[],
  compare(key: string, path: string, fast: TypedValue[], medplum: TypedValue[] | unknown): void {
    this.fastEvaluations++;
    const same = Array.isArray(medplum) && JSON.stringify(fast) === JSON.stringify(medplum);
    if (!same)
      this.mismatches.push(`${key} at ${path}: fast ${JSON.stringify(fast)}, medplum ${String(medplum)}`);
  },
};

/** txt-1 and txt-2 both ask about the same div, one after the other: remember the last answer. */
let lastHtml: { div: string; ok: boolean } | undefined;

/** The narrative rules of txt-1/txt-2: an XHTML div, no active content, some text or an image. */
function htmlChecks(div: unknown): boolean {
  if (typeof div !== 'string') return true;
  if (lastHtml?.div === div) return lastHtml.ok;
  lastHtml = { div, ok: checkHtml(div) };
  return lastHtml.ok;
}

function checkHtml(div: string): boolean {
  const hasContent = /<img\b/i.test(div) || div.replace(/<[^>]*>/g, '').trim().length > 0;
  return XHTML_ROOT.test(div) && !XHTML_FORBIDDEN.test(div) && hasContent;
}

/** ext-1: an extension has either a value or nested extensions, not both, not neither. */
function checkExt1(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
  if (!isObject(node.value)) return;
  const hasValue = Object.keys(node.value).some((k) => k.startsWith('value'));
  const hasExtensions = Array.isArray(node.value.extension) && node.value.extension.length > 0;
  if (hasValue === hasExtensions) {
    report(
      ctx,
      el,
      'invariant',
      'Constraint ext-1 failed: Must have either extensions or value[x], not both',
      node.path,
    );
  }
}

/** dom-3: every contained resource is referenced (`#id`) from the container or another contained resource. */
function checkDom3(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
  const contained = isObject(node.value) && Array.isArray(node.value.contained) ? node.value.contained : [];
  if (!contained.length) return;
  const refs = new Set<string>();
  collectReferences(node.value, refs);
  contained.forEach((r, i) => {
    if (isObject(r) && !refs.has(`#${String(r.id)}`)) {
      const msg = `Constraint dom-3 failed: contained resource ${String(r.id)} is not referenced from the resource`;
      report(ctx, el, 'invariant', msg, `${node.path}.contained[${i}]`);
    }
  });
}

function collectReferences(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) return value.forEach((v) => collectReferences(v, into));
  if (!isObject(value)) return;
  if (typeof value.reference === 'string') into.add(value.reference);
  for (const v of Object.values(value)) if (typeof v === 'object') collectReferences(v, into);
}

function codings(value: unknown): { system?: string; code: string }[] {
  if (typeof value === 'string') return [{ code: value }];
  if (!isObject(value)) return [];
  if (Array.isArray(value.coding)) return value.coding.flatMap(codings);
  return typeof value.code === 'string'
    ? [{ system: value.system as string | undefined, code: value.code }]
    : [];
}
