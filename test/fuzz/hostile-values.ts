import fc from 'fast-check';

/** JSON text that JSON.stringify cannot produce (1e400, -0, 30-digit integers): spliced in by toJsonText. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, with every RawJson written verbatim. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return v;
  });
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]);
}

/** Characters that break naive code: unpaired surrogates, NUL and controls, bidi marks, BOM, non-BMP, combining. */
export const UNICODE_EDGES = [
  '\ud800',
  'a\ud800b',
  '\udc00x',
  '\udbff\udfff',
  '\u0000',
  'x\u0000y',
  '\u0001\u001f\u007f',
  '\u202e\u202dabc',
  '\u200f\u200e',
  '\ufeff',
  '\uffff\ufffe',
  '😀👨‍👩‍👧',
  'e\u0301\u0301\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\u2028\u2029',
  '<script>alert(1)</script>',
  "'; DROP TABLE resource; --",
  '${jndi:x}',
  '\\',
  '"',
  ' ',
  '\t\n\r',
];

export const HOSTILE_DATES = [
  '9999-12-31',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59+14:00',
  '0000-01-01',
  '0001-01-01',
  '1950-02-30',
  '2023-02-29',
  '1950-13-01',
  '1950-00-10',
  '1950-01-32',
  '10000-01-01',
  '-0001-01-01',
  '1950',
  '1950-02',
  '2020-01-01T24:00:00Z',
  '2020-01-01T23:59:60Z',
  '2020-01-01T10:00:00+25:00',
  '2020-01-01T10:00:00.1234567890123Z',
  '2020-01-01T10:00',
  '1e400',
  'now',
  'infinity',
  '-infinity',
  'epoch',
  'today',
  '1',
];

export const HOSTILE_NUMBERS_RAW = [
  '1e400',
  '-1e400',
  '-0',
  '-0.0',
  '1E-400',
  '123456789012345678901234567890',
  '-9223372036854775809',
  '2147483648',
  '0.1e1',
  '1.0000000000000000000000001',
];

const hugeString = (maxLength: number) =>
  fc
    .tuple(
      fc.integer({ min: 3_000, max: maxLength }),
      fc.constantFrom('a', '9', 'é', '😀', ' ', '%', '\ud800'),
    )
    .map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

/** Any single UTF-16 code unit, so lone surrogates and controls come up. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/** Hostile strings; huge ones up to `maxHuge` characters (a URL over 16 KB never reaches the service). */
export const hostileStrings = (maxHuge: number): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...UNICODE_EDGES), weight: 4 },
    { arbitrary: fc.constantFrom(...HOSTILE_DATES), weight: 3 },
    { arbitrary: fc.constant(''), weight: 2 },
    { arbitrary: hugeString(maxHuge), weight: 2 },
    { arbitrary: fc.string({ unit: codeUnit, maxLength: 12 }), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
    { arbitrary: fc.string({ maxLength: 20 }), weight: 2 },
  );

export const hostileString = hostileStrings(70_000);

/** A JSON value of the wrong kind, or a hostile value of the right one. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 6 },
  { arbitrary: fc.constant(null), weight: 2 },
  { arbitrary: fc.constantFrom({}, [], [null], [null, null], [{}], ['x', 5, [1]], [[]]), weight: 3 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), weight: 2 },
  { arbitrary: fc.constantFrom(...HOSTILE_NUMBERS_RAW).map((t) => new RawJson(t)), weight: 2 },
  { arbitrary: fc.constantFrom(19340428, 0, -1, 4294967296), weight: 1 },
  {
    arbitrary: fc.dictionary(
      fc.constantFrom('x', 'value', 'extension', 'id', 'url', 'reference'),
      hostileString,
      { maxKeys: 2 },
    ),
    weight: 1,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
);

/** Search parameter values: the hostile strings, plus query junk. */
export const PERCENT_JUNK = [
  '%',
  '%%%',
  '%zz',
  '%0',
  '%00',
  '%ff',
  '%C0%AF',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%2',
  '+',
  '&',
  '=',
  '%26%3D',
];
