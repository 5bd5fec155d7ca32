import type { ElementNode } from './element-tree';
import { isObject, report, type InstanceNode, type ValidationContext } from './context';
import type { Membership, Terminology } from './terminology';

interface Code {
  system?: string;
  code: string;
  path: string;
}

/**
 * Required bindings. A value that is provably outside the value set is an error; one that cannot be decided
 * locally (filters, SNOMED, COD016 with content not-present, unknown value sets) gets an `information` issue.
 */
export function checkBinding(
  node: InstanceNode,
  el: ElementNode,
  terminology: Terminology,
  ctx: ValidationContext,
): void {
  const binding = el.def.binding;
  if (binding?.strength !== 'required' || !binding.valueSet) return;
  const codes = codesOf(node);
  if (!codes) return;
  const valueSet = binding.valueSet;
  if (!codes.length) {
    if (node.type === 'CodeableConcept') {
      report(
        ctx,
        el,
        'required',
        `No code provided; a code from the required value set ${valueSet} is needed`,
        node.path,
      );
    }
    return;
  }
  const results = codes.map((c) => ({ c, m: terminology.validate(valueSet, c.system, c.code) }));
  if (results.some((r) => r.m.result === 'member')) return;
  const unknown = results.find((r) => r.m.result === 'unknown');
  if (unknown) {
    const reason = (unknown.m as Extract<Membership, { result: 'unknown' }>).reason;
    const msg = `Code ${label(unknown.c)} could not be checked against required value set ${valueSet}: ${reason}`;
    report(ctx, el, 'informational', msg, unknown.c.path, 'information');
    return;
  }
  const first = results[0].c;
  const msg = `Code ${label(first)} is not in the required value set ${valueSet}`;
  report(ctx, el, 'code-invalid', msg, codes.length === 1 ? first.path : node.path);
}

/** The codes of a bindable value, or undefined for types that bindings do not constrain here. */
function codesOf(node: InstanceNode): Code[] | undefined {
  const v = node.value;
  switch (node.type) {
    case 'code':
      return typeof v === 'string' ? [{ code: v, path: node.path }] : [];
    case 'Coding':
      return isObject(v) && typeof v.code === 'string' ? [coding(v, node.path)] : [];
    case 'Quantity':
      return isObject(v) && typeof v.code === 'string' ? [coding(v, node.path)] : [];
    case 'CodeableConcept': {
      const list = isObject(v) && Array.isArray(v.coding) ? v.coding : [];
      return list.flatMap((c, i) =>
        isObject(c) && typeof c.code === 'string' ? [coding(c, `${node.path}.coding[${i}]`)] : [],
      );
    }
    default:
      return undefined;
  }
}

function coding(c: Record<string, unknown>, path: string): Code {
  return { system: typeof c.system === 'string' ? c.system : undefined, code: c.code as string, path };
}

const label = (c: Code) => (c.system ? `${c.system}#${c.code}` : `'${c.code}'`);

const SHOWN_CODES = 12;

/**
 * A Coding that claims one of the project's own CodeSystems must use a code of it, whatever the binding strength
 * (or none): the system is ours, so an unknown code is a typo or an invented reason, never an extension.
 */
export function checkOwnCodeSystem(
  node: InstanceNode,
  terminology: Terminology,
  ctx: ValidationContext,
): void {
  if (node.type !== 'Coding' || !isObject(node.value)) return;
  const { system, code } = node.value;
  if (typeof system !== 'string' || typeof code !== 'string') return;
  const own = terminology.ownCodeSystem(system);
  if (!own || own.codes.has(code)) return;
  const codes = [...own.codes.keys()];
  const shown = codes.slice(0, SHOWN_CODES).join(', ');
  const more =
    codes.length > SHOWN_CODES
      ? `, … (${codes.length} in all; see profiles/meso/CodeSystem-${own.id}.json)`
      : '';
  const msg =
    `Code '${code}' does not exist in the CodeSystem ${system}; use one of its codes: ${shown}${more}` +
    ` (defined in profiles/meso/CodeSystem-${own.id}.json)`;
  // The same Coding is visited once per profile the resource is checked against: report it once.
  if (ctx.issues.some((i) => i.diagnostics === msg && i.expression?.[0] === node.path)) return;
  report(ctx, undefined, 'code-invalid', msg, node.path);
}
