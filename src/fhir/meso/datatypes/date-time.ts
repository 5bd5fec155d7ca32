import type { IsoDateTime } from '../../../meso-document/document';

/**
 * A document date-time as a FHIR dateTime. The schema's `date-time` format (RFC 3339, ajv-formats) also takes
 * a space or lower-case `t` between date and time, a lower-case `z`, and offsets without colon or minutes
 * (`+0100`, `+01`), all of which FHIR's dateTime refuses. The instant is kept; only the spelling changes
 * (normalize.ts, rule 4). Anything else is returned as it is.
 */
export function dateTimeToFhir(value: IsoDateTime): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([Zz])|([+-]\d{2}):?(\d{2})?)$/.exec(
    value,
  );
  if (!m) return value;
  const [, date, time, zulu, hours, minutes] = m;
  return `${date}T${time}${zulu ? 'Z' : `${hours}:${minutes ?? '00'}`}`;
}
