import type { ErrorObject } from 'ajv';
import { childPointer, readablePath } from './pointer';

export interface DocumentError {
  /** JSON Pointer (RFC 6901) to the offending value, or to the missing or extra property. */
  pointer: string;
  message: string;
}

/** Patterns whose plain "must match ^…$" would not tell a sender what to send: keyed by the schema's name. */
const PATTERN_MESSAGES: Record<string, string> = {
  bsn: 'BSN must be 9 digits and pass the 11-proef',
  agb: 'AGB code must be exactly 8 digits',
  ura: 'URA (UZI-register abonneenummer) must be exactly 8 digits',
  uzi: 'UZI number must be exactly 9 digits',
  big: 'BIG number must be exactly 11 digits',
  localId: 'id must be lower-case letters, digits and "-" (max 64), starting with a letter or digit',
  memberRef: 'must be the id of a team member (lower-case letters, digits and "-")',
  representativeId: 'must be the id of a relative (lower-case letters, digits and "-")',
  directiveId: 'must be the id of an advance directive (lower-case letters, digits and "-")',
  referralId: 'must be the id of an escalation (lower-case letters, digits and "-")',
  postalCode: 'postcode must be 4 digits (not starting with 0) and 2 capitals, e.g. "9411 AB"',
  number: 'telephone number must be digits, optionally starting with "+", e.g. "+31593555100"',
  initials: 'initialen (initials) must be like "G.J."',
};

const FORMAT_MESSAGES: Record<string, string> = {
  date: 'must be an existing calendar date as YYYY-MM-DD (datum)',
  'date-time': 'must be a date-time with time zone, e.g. 2026-12-06T10:30:00+01:00',
  email: 'must be an e-mail address',
  uri: 'must be a URI, e.g. http://snomed.info/sct',
};

/** Ajv's errors as pointers and readable messages; `if` adds nothing to the `then` error it comes with. */
export function fromAjvErrors(errors: ErrorObject[]): DocumentError[] {
  const out = new Map<string, DocumentError>();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    const converted = convert(error);
    out.set(converted.pointer + '\u0000' + converted.message, converted);
  }
  return [...out.values()];
}

function convert(error: ErrorObject): DocumentError {
  const p = error.params as Record<string, unknown>;
  const title = titleOf(error.parentSchema);
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired': {
      const pointer = childPointer(error.instancePath, String(p.missingProperty));
      const why = error.keyword === 'dependentRequired' ? ` (needed with "${String(p.property)}")` : '';
      const name = titleOf(propertySchema(error.parentSchema, String(p.missingProperty)));
      return at(pointer, `required property${name ? ` (${name})` : ''} is missing${why}`);
    }
    case 'additionalProperties': {
      const pointer = childPointer(error.instancePath, String(p.additionalProperty));
      return at(
        pointer,
        `property is not allowed in ${title ?? 'this object'}: remove it or check the spelling`,
      );
    }
    case 'type':
      return at(error.instancePath, `${subject(title)} must be of type ${String(p.type)}`);
    case 'enum':
      return at(
        error.instancePath,
        `${subject(title)} must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`,
      );
    case 'const':
      return at(error.instancePath, `${subject(title)} must be "${String(p.allowedValue)}"`);
    case 'format':
      return at(
        error.instancePath,
        FORMAT_MESSAGES[String(p.format)] ?? `must have format ${String(p.format)}`,
      );
    case 'pattern':
      return at(
        error.instancePath,
        PATTERN_MESSAGES[schemaName(error.schemaPath)] ?? patternMessage(title, p),
      );
    case 'minimum':
    case 'maximum':
      return at(error.instancePath, rangeMessage(title, error.parentSchema));
    case 'minProperties':
      return at(
        error.instancePath,
        `${subject(title)} needs at least one of: ${propertyNames(error.parentSchema)}`,
      );
    default:
      return at(error.instancePath, `${subject(title)} ${error.message ?? 'is invalid'}`);
  }
}

function at(pointer: string, message: string): DocumentError {
  return { pointer, message: `${readablePath(pointer)}: ${message}` };
}

function subject(title: string | undefined): string {
  return title ?? 'value';
}

function titleOf(schema: unknown): string | undefined {
  const title = (schema as { title?: unknown } | undefined)?.title;
  return typeof title === 'string' ? title : undefined;
}

/** "#/$defs/bsn/pattern" → "bsn"; "#/properties/client/…/properties/postalCode/pattern" → "postalCode". */
function propertySchema(schema: unknown, property: string): unknown {
  return (schema as { properties?: Record<string, unknown> } | undefined)?.properties?.[property];
}

function schemaName(schemaPath: string): string {
  const parts = schemaPath.split('/');
  return parts[parts.length - 2] ?? '';
}

function patternMessage(title: string | undefined, p: Record<string, unknown>): string {
  return `${subject(title)} must match ${String(p.pattern)}`;
}

function rangeMessage(title: string | undefined, schema: unknown): string {
  const { minimum, maximum } = (schema ?? {}) as { minimum?: number; maximum?: number };
  const range = maximum === undefined ? `at least ${minimum}` : `between ${minimum ?? '-∞'} and ${maximum}`;
  return `${subject(title)} must be ${range}`;
}

function propertyNames(schema: unknown): string {
  return Object.keys((schema as { properties?: object } | undefined)?.properties ?? {}).join(', ');
}
