// With the `u` flag a surrogate pair is one code point, so \p{Cs} matches only a lone (unpaired) surrogate.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * True when a string holds an unpaired UTF-16 surrogate: it has no UTF-8 form, so PostgreSQL (and any other
 * UTF-8 consumer) refuses it. Such text is refused where it enters, with the place it came from.
 */
export const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text);
