import type {
  Address,
  Annotation,
  ContactPoint,
  Extension,
  HumanName,
  Identifier,
  Quantity,
  Reference,
} from '@medplum/fhirtypes';
import { IdentifierSystem } from '../../domain/identifier-systems';
import { conceptText } from './xhtml';

/** Dutch identifier systems shown in a narrative, with the abbreviation a Dutch reader knows. */
const IDENTIFIER_LABELS: readonly (readonly [system: string, label: string])[] = [
  [IdentifierSystem.bsn, 'BSN'],
  [IdentifierSystem.ura, 'URA'],
  [IdentifierSystem.agb, 'AGB'],
  [IdentifierSystem.uziPerson, 'UZI'],
  [IdentifierSystem.big, 'BIG'],
];

const joinPresent = (parts: readonly (string | undefined)[], separator = ' '): string | undefined => {
  const present = parts.filter((p): p is string => Boolean(p?.trim()));
  return present.length ? present.join(separator) : undefined;
};

/** The official name (else the first): HumanName.text, or prefix, given names, family name and suffix. */
export function nameText(names: readonly HumanName[] | undefined): string | undefined {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return undefined;
  return (
    name.text ??
    joinPresent([...(name.prefix ?? []), ...(name.given ?? []), name.family, ...(name.suffix ?? [])])
  );
}

/** The first name of the usual name (roepnaam), when the person has one besides the official name. */
export function callName(names: readonly HumanName[] | undefined): string | undefined {
  const usual = names?.find((n) => n.use === 'usual');
  return usual ? (usual.text ?? joinPresent(usual.given ?? [])) : undefined;
}

/** Known Dutch identifiers such as "BSN 999911120"; other systems are internal and left out. */
export function identifiersText(identifiers: readonly Identifier[] | undefined): string | undefined {
  const labelled = IDENTIFIER_LABELS.flatMap(([system, label]) =>
    (identifiers ?? []).filter((i) => i.system === system && i.value).map((i) => `${label} ${i.value}`),
  );
  return joinPresent(labelled, ', ');
}

/**
 * Reference display, else its identifier ("AGB 01012345"). A literal reference such as "Condition/123"
 * means nothing to a reader, and fetching the target would be a lookup, so it is not shown.
 */
export function referenceText(reference: Reference | undefined): string | undefined {
  const identifier = reference?.identifier;
  return reference?.display ?? (identifier && (identifiersText([identifier]) ?? identifier.value));
}

export function referencesText(references: readonly Reference[] | undefined): (string | undefined)[] {
  return (references ?? []).map(referenceText);
}

/** "Kerkstraat 8, 9411 KE Beilen" from the address text or its parts. */
export function addressText(addresses: readonly Address[] | undefined): string | undefined {
  const address = addresses?.find((a) => a.use === 'home') ?? addresses?.[0];
  if (!address) return undefined;
  const place = joinPresent([address.postalCode, address.city]);
  return address.text ?? joinPresent([...(address.line ?? []), place], ', ');
}

export function phoneText(telecom: readonly ContactPoint[] | undefined): string | undefined {
  return joinPresent(
    (telecom ?? []).filter((t) => t.system === 'phone').map((t) => t.value),
    ', ',
  );
}

/** A decimal the Dutch way ("7,5 kg"), keeping the precision as sent. */
export function quantityText(quantity: Quantity | undefined): string | undefined {
  if (quantity?.value === undefined) return undefined;
  const value = String(quantity.value).replace('.', ',');
  return joinPresent([quantity.comparator, value, quantity.unit ?? quantity.code]);
}

export function notesText(notes: readonly Annotation[] | undefined): (string | undefined)[] {
  return (notes ?? []).map((n) => n.text);
}

/** Readable value of a simple extension (string, code, date, CodeableConcept or Reference). */
export function extensionText(extensions: readonly Extension[] | undefined, url: string): string | undefined {
  const ext = extensions?.find((e) => e.url === url);
  if (!ext) return undefined;
  return (
    ext.valueString ??
    ext.valueCode ??
    ext.valueDate ??
    ext.valueDateTime ??
    conceptText(ext.valueCodeableConcept) ??
    referenceText(ext.valueReference)
  );
}

export const booleanText = (value: boolean | undefined): string | undefined =>
  value === undefined ? undefined : value ? 'ja' : 'nee';
