const EIGHT_DIGITS = /^\d{8}$/;

/**
 * Why a string is not a well-formed AGB code, or undefined when it is. AGB-Z codes of persons and
 * organisations are 8 digits, the first two being the zorgverlenerssoort. There is no check digit.
 */
export function agbProblem(value: string): string | undefined {
  return EIGHT_DIGITS.test(value) ? undefined : 'AGB code must be exactly 8 digits';
}

export function isValidAgb(value: string): boolean {
  return agbProblem(value) === undefined;
}
