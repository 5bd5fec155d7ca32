// With the `u` flag a surrogate pair is one code point, so \p{Cs} matches only a lone (unpaired) surrogate.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What a FHIR string may not hold: code points below 32 other than tab, CR and LF (R4 datatypes.html#string),
 * U+FFFE/U+FFFF and lone surrogates. That is exactly what XML 1.0's Char production leaves out, so every stored
 * string can also be served as FHIR XML.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const NOT_A_TEXT_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;

/**
 * True when a string holds an unpaired UTF-16 surrogate: it has no UTF-8 form, so PostgreSQL (and any other
 * UTF-8 consumer) refuses it. Such text is refused where it enters, with the place it came from.
 */
export const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text);

/** The first character a FHIR string (and XML) cannot hold, as `U+XXXX`, or undefined. */
export function forbiddenCharacter(text: string): string | undefined {
  const match = NOT_A_TEXT_CHARACTER.exec(text);
  if (!match) return undefined;
  return `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
