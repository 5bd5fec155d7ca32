import { lookupFor } from '../../store/lookups/lookup-kinds';
import { splitCommas } from '../../store/lookups/lookup';
import { isTypeModifier } from '../../store/lookups/reference';
import type { Filter } from '../../store/search/filter-sql';
import { badRequest, FhirError, issue } from '../../kernel/outcome';
import { searchParam, type SearchParamDef } from './registry';

// Two levels of chaining (Observation?subject:Patient.organization.name=…) is what clients use in practice.
const MAX_CHAIN = 2;

export const unknownParam = (name: string, resourceType: string) =>
  badRequest(`Unknown search parameter '${name}' for ${resourceType}`, name, 'not-supported');

const notSupported = (name: string, why: string) =>
  new FhirError(400, [issue('not-supported', `Search parameter '${name}' is not supported: ${why}`, name)]);

/** The parameter definition, or a 400 naming the parameter when it is unknown or cannot be searched. */
export function requireParam(resourceType: string, code: string, name: string): SearchParamDef {
  const def = searchParam(resourceType, code);
  if (!def) throw unknownParam(name, resourceType);
  if (def.unsupported) throw notSupported(name, def.unsupported);
  return def;
}

function checkModifier(
  def: SearchParamDef,
  modifier: string | undefined,
  name: string,
  values: string[],
): void {
  if (modifier === undefined) return;
  if (modifier === 'missing') {
    if (values.length !== 1 || !['true', 'false'].includes(values[0]))
      throw badRequest(`'${name}' takes true or false`, name);
    return;
  }
  if (def.type === 'reference' && isTypeModifier(modifier)) {
    if (def.targets.length && !def.targets.includes(modifier))
      throw badRequest(`'${def.code}' cannot refer to a ${modifier}`, name);
    return;
  }
  const allowed = def.column ? [] : (lookupFor(def.type)?.modifiers ?? []);
  if (!allowed.includes(modifier)) throw notSupported(name, `modifier ':${modifier}' is not supported here`);
}

function chainTargets(
  def: SearchParamDef,
  modifier: string | undefined,
  rest: string,
  value: string,
  name: string,
  depth: number,
): Filter['chain'] {
  if (def.type !== 'reference')
    throw badRequest(`'${def.code}' is not a reference and cannot be chained`, name);
  if (depth >= MAX_CHAIN) throw notSupported(name, `chains of more than ${MAX_CHAIN} levels`);
  if (modifier !== undefined && !isTypeModifier(modifier))
    throw badRequest(`':${modifier}' cannot be chained`, name);
  const types = modifier ? [modifier] : def.targets;
  const chain: NonNullable<Filter['chain']> = [];
  for (const targetType of types) {
    // A target type without the chained parameter simply cannot match; only "none has it" is an error.
    if (!searchParam(targetType, rest.split(/[.:]/)[0])) continue;
    chain.push({ targetType, filter: parseFilter(targetType, rest, value, depth + 1, name) });
  }
  if (chain.length === 0) throw unknownParam(name, types.join(', ') || def.resourceType);
  return chain;
}

/**
 * One search parameter (`name=value`) as a Filter: `code[:modifier][.chained…]`, comma-separated values OR-ed.
 * Throws FhirError 400 naming the parameter when it is unknown, unsupported or malformed.
 */
export function parseFilter(resourceType: string, key: string, value: string, depth = 0, name = key): Filter {
  const dot = key.indexOf('.');
  const head = dot < 0 ? key : key.slice(0, dot);
  const [code, modifier, ...extra] = head.split(':');
  if (extra.length) throw badRequest(`Malformed search parameter '${name}'`, name);
  const def = requireParam(resourceType, code, name);
  const values = splitCommas(value);
  if (dot >= 0) {
    const chain = chainTargets(def, modifier, key.slice(dot + 1), value, name, depth);
    return { name, param: def.code, lookup: lookupFor(def.type), modifier, values, chain };
  }
  checkModifier(def, modifier, name, values);
  if (values.some((v) => v === '')) throw badRequest(`Empty value in '${name}'`, name);
  return { name, param: def.code, lookup: lookupFor(def.type), column: def.column, modifier, values };
}
