import { dateTextProblem } from '../../kernel/calendar';
import type { ElementNode } from './element-tree';
import { report, type InstanceNode, type ValidationContext } from './context';

const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

/** One of U+D800-U+DFFF: only then can a string hold an unpaired surrogate (a quick test before the exact one). */
const SURROGATE = /[\uD800-\uDFFF]/;
const UNPAIRED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What the JSON Schema's patterns cannot say about a primitive value: a string must be valid Unicode (an
 * unpaired UTF-16 surrogate cannot be stored as UTF-8, so PostgreSQL refuses it), and a date must exist on
 * the calendar (1950-02-30 matches the date pattern).
 */
export function checkPrimitiveValue(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
  const value = node.value;
  if (typeof value !== 'string') return;
  if (SURROGATE.test(value) && UNPAIRED.test(value)) {
    report(
      ctx,
      el,
      'invalid',
      'The text contains an unpaired UTF-16 surrogate (\\uD800-\\uDFFF), which is not a Unicode character; send it as valid UTF-8',
      node.path,
    );
  }
  if (DATE_TYPES.has(node.type)) {
    const problem = dateTextProblem(value);
    if (problem) report(ctx, el, 'value', `'${value}' is not a valid ${node.type}: ${problem}`, node.path);
  }
}
