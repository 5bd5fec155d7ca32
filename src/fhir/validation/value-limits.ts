import type { ElementNode } from './element-tree';
import { isObject, report, type InstanceNode, type ValidationContext } from './context';

/** minValue[x] / maxValue[x] (numbers, Quantity values, dates as strings) and maxLength. */
export function checkValueLimits(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
  const { min, max } = limitsOf(el);
  if (min !== undefined || max !== undefined) {
    const actual = comparable(node.value);
    if (actual !== undefined && min !== undefined && compare(actual, min) < 0) {
      report(ctx, el, 'value', `Value ${String(actual)} is below the minimum ${String(min)}`, node.path);
    }
    if (actual !== undefined && max !== undefined && compare(actual, max) > 0) {
      report(ctx, el, 'value', `Value ${String(actual)} is above the maximum ${String(max)}`, node.path);
    }
  }
  const maxLength = el.def.maxLength;
  if (maxLength !== undefined && typeof node.value === 'string' && node.value.length > maxLength) {
    report(ctx, el, 'value', `Value is longer than maxLength ${maxLength}`, node.path);
  }
}

interface Limits {
  min?: number | string;
  max?: number | string;
}

/** Looked up once per element: scanning every ElementDefinition's keys per value is the hot path otherwise. */
function limitsOf(el: ElementNode): Limits {
  let limits = el.cache.limits as Limits | undefined;
  if (!limits) {
    const def = el.def as unknown as Record<string, unknown>;
    limits = { min: limit(def, 'minValue'), max: limit(def, 'maxValue') };
    el.cache.limits = limits;
  }
  return limits;
}

function limit(def: Record<string, unknown>, prefix: string): number | string | undefined {
  for (const [k, v] of Object.entries(def)) if (k.startsWith(prefix)) return comparable(v);
  return undefined;
}

function comparable(v: unknown): number | string | undefined {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (isObject(v) && typeof v.value === 'number') return v.value;
  return undefined;
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}
