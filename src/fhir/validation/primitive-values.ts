import { dateTextProblem } from '../../kernel/calendar';
import { forbiddenCharacter } from '../../kernel/unicode';
import type { ElementNode } from './element-tree';
import { report, type InstanceNode, type ValidationContext } from './context';

const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

/**
 * What the JSON Schema's patterns cannot say about a primitive value: a string must be valid Unicode without
 * control characters (an unpaired UTF-16 surrogate cannot be stored as UTF-8, and R4 datatypes.html#string
 * forbids code points below 32 but tab, CR and LF, which XML cannot hold either), and a date must exist on the
 * calendar (1950-02-30 matches the date pattern).
 */
export function checkPrimitiveValue(node: InstanceNode, el: ElementNode, ctx: ValidationContext): void {
  const value = node.value;
  if (typeof value !== 'string') return;
  // R4 json.html: a primitive has a value or is left out; "" has no XML form (value="" is not allowed).
  if (value === '') {
    report(
      ctx,
      el,
      'invalid',
      'An empty string is not a FHIR value; leave the element out instead',
      node.path,
    );
    return;
  }
  const character = forbiddenCharacter(value);
  if (character) report(ctx, el, 'invalid', characterMessage(character), node.path);
  if (DATE_TYPES.has(node.type)) {
    const problem = dateTextProblem(value);
    if (problem) report(ctx, el, 'value', `'${value}' is not a valid ${node.type}: ${problem}`, node.path);
  }
}

function characterMessage(character: string): string {
  const surrogate = /^U\+D[89A-F]/.test(character);
  return surrogate
    ? `The text contains an unpaired UTF-16 surrogate (${character}), which is not a Unicode character; send it as valid UTF-8`
    : `The text contains ${character}, a character FHIR strings may not hold (control characters other than tab, CR and LF, U+FFFE, U+FFFF); remove it`;
}
