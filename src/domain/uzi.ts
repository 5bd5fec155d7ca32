const NINE_DIGITS = /^\d{9}$/;

/** Why a string is not a well-formed UZI person number (UZI-nummer zorgverlener), or undefined: 9 digits. */
export function uziPersonProblem(value: string): string | undefined {
  return NINE_DIGITS.test(value) ? undefined : 'UZI number must be exactly 9 digits';
}

export function isValidUziPerson(value: string): boolean {
  return uziPersonProblem(value) === undefined;
}
