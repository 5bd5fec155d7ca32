import type { CodeableConcept, Narrative, Period } from '@medplum/fhirtypes';
import { obj, objs, str } from './shape';

/**
 * Markup built by this module. Generators pass resource text as plain strings, which are always escaped,
 * so a value from a resource can never turn into markup.
 */
export interface Html {
  readonly markup: string;
}

export type Content = string | Html;

/** A table row: label and value. Rows without a value are left out. */
export type Row = readonly [label: string, value: Content | undefined];

/** The only elements emitted: all on the FHIR txt-1 allow-list, and none needs attributes. */
type Tag = 'p' | 'b' | 'table' | 'tbody' | 'tr' | 'th' | 'td' | 'ul' | 'li';

const XHTML_NS = 'http://www.w3.org/1999/xhtml';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // &apos; is XML but not HTML 4; the numeric reference works for both kinds of reader.
  "'": '&#39;',
};

// Characters XML 1.0 forbids even as references (controls, lone surrogates, U+FFFE/F): escaping cannot
// save them, so they are dropped to keep the div parseable.
const XML_ILLEGAL =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(value: string): string {
  return value.replace(XML_ILLEGAL, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const render = (content: Content): string =>
  typeof content === 'string' ? escapeXml(content) : content.markup;

export function el(tag: Tag, ...children: readonly Content[]): Html {
  return { markup: `<${tag}>${children.map(render).join('')}</${tag}>` };
}

// Generators pass resource values straight through; anything but text or markup counts as absent.
const isPresent = (value: Content | undefined): value is Content =>
  typeof value === 'string' ? value.trim() !== '' : typeof obj(value)?.markup === 'string';

/** A bullet list of the non-empty items; a single item stays plain text to keep the narrative compact. */
export function list(items: readonly (string | undefined)[]): Content | undefined {
  const present = items.filter((item): item is string => isPresent(item));
  if (present.length <= 1) return present[0];
  return el('ul', ...present.map((item) => el('li', item)));
}

/**
 * The generated Narrative: a bold heading plus a label/value table. The heading is always there, so the
 * div never lacks content (txt-2).
 */
export function narrative(heading: string, rows: readonly Row[]): Narrative {
  const cells = rows.flatMap(([label, value]) =>
    isPresent(value) ? [el('tr', el('th', label), el('td', value))] : [],
  );
  const table = cells.length ? [el('table', el('tbody', ...cells))] : [];
  const body = [el('p', el('b', heading)), ...table].map(render).join('');
  return { status: 'generated', div: `<div xmlns="${XHTML_NS}">${body}</div>` };
}

const MONTHS = [
  'januari',
  'februari',
  'maart',
  'april',
  'mei',
  'juni',
  'juli',
  'augustus',
  'september',
  'oktober',
  'november',
  'december',
];

const DATE = /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$/;

// A time is shown as the wall clock in the Netherlands, whatever offset the sender used.
const DATE_TIME = new Intl.DateTimeFormat('nl-NL', {
  timeZone: 'Europe/Amsterdam',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/**
 * A FHIR date or dateTime in Dutch: "28 april 1934", "april 1934", "1934", or "5 oktober 2026 om 09:30".
 * Dates are formatted from the string itself (no Date), so a birth date never shifts by a time zone.
 * Anything unparseable is returned as given.
 */
export function formatDate(value: string | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const date = DATE.exec(value);
  if (date) {
    const [, year, month, day] = date;
    const monthName = month === undefined ? undefined : MONTHS[Number(month) - 1];
    return [day === undefined ? undefined : String(Number(day)), monthName, year].filter(Boolean).join(' ');
  }
  const instant = new Date(value);
  return value.includes('T') && !Number.isNaN(instant.getTime()) ? DATE_TIME.format(instant) : value;
}

export function formatPeriod(period: Period | undefined): string | undefined {
  const start = formatDate(obj(period)?.start);
  const end = formatDate(obj(period)?.end);
  if (start && end) return `${start} t/m ${end}`;
  if (start) return `vanaf ${start}`;
  return end ? `tot en met ${end}` : undefined;
}

/** Display of a CodeableConcept: its text, else the first coding display, else the first code. */
export function conceptText(concept: CodeableConcept | undefined): string | undefined {
  const cc = obj(concept);
  const codings = objs(cc?.coding);
  return (
    str(cc?.text) ??
    str(codings.find((c) => str(c.display))?.display) ??
    str(codings.find((c) => str(c.code))?.code)
  );
}

export function conceptsText(concepts: readonly CodeableConcept[] | undefined): string | undefined {
  const texts = objs(concepts)
    .map(conceptText)
    .filter((t): t is string => Boolean(t));
  return texts.length ? texts.join(', ') : undefined;
}

/** Dutch label for a FHIR code from a fixed value set; an unknown code is shown as is. */
export function codeLabel(
  labels: Readonly<Record<string, string>>,
  code: string | undefined,
): string | undefined {
  if (typeof code !== 'string') return undefined;
  return Object.hasOwn(labels, code) ? labels[code] : code;
}

/** Dutch label of a coded status from a known FHIR code system, else the concept's own display. */
export function conceptLabel(
  concept: CodeableConcept | undefined,
  system: string,
  labels: Readonly<Record<string, string>>,
): string | undefined {
  const code = str(objs(obj(concept)?.coding).find((c) => c.system === system)?.code);
  return (
    (code !== undefined && Object.hasOwn(labels, code) ? labels[code] : undefined) ?? conceptText(concept)
  );
}
