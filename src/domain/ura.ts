const EIGHT_DIGITS = /^\d{8}$/;

/** Why a string is not a well-formed URA (UZI-register abonneenummer), or undefined when it is: 8 digits. */
export function uraProblem(value: string): string | undefined {
  return EIGHT_DIGITS.test(value) ? undefined : 'URA must be exactly 8 digits';
}

export function isValidUra(value: string): boolean {
  return uraProblem(value) === undefined;
}
