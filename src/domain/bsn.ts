const NINE_DIGITS = /^\d{9}$/;

/**
 * Why a string is not a valid BSN, or undefined when it is.
 *
 * Only exactly 9 digits are accepted. An 8-digit value (an old sofinummer written without its
 * leading zero) is NOT left-padded: padding would give one person two spellings of the same
 * identifier, which breaks conditional create and token search. Senders must send 9 digits.
 */
export function bsnProblem(value: string): string | undefined {
  if (!NINE_DIGITS.test(value)) return 'BSN must be exactly 9 digits';
  if (/^0+$/.test(value)) return 'BSN must not be all zeros';
  // 11-proef: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 (mod 11).
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * Number(value[i]);
  sum -= Number(value[8]);
  if (sum % 11 !== 0) return 'BSN fails the 11-proef';
  return undefined;
}

export function isValidBsn(value: string): boolean {
  return bsnProblem(value) === undefined;
}

/**
 * Test BSNs for generated data, in a fixed order: counting down from 999999999, every number of the test range
 * 9999xxxxx (like the Nictiz test BSN 999911120) that passes the 11-proef: about 9,090. Nothing outside that range
 * is ever generated, since any other valid number may belong to a real person.
 */
export function* testBsns(skip: ReadonlySet<string> = new Set()): Generator<string> {
  for (let n = 999_999_999; n >= 999_900_000; n--) {
    const bsn = String(n);
    if (!skip.has(bsn) && bsnProblem(bsn) === undefined) yield bsn;
  }
}
