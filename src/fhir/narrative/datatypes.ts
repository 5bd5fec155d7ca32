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
import { obj, objs, str, strs } from './shape';

/** Dutch identifier systems shown in a narrative, with the abbreviation a Dutch reader knows. */
const IDENTIFIER_LABELS: readonly (readonly [system: string, label: string])[] = [
  [IdentifierSystem.bsn, 'BSN'],
  [IdentifierSystem.ura, 'URA'],
  [IdentifierSystem.agb, 'AGB'],
  [IdentifierSystem.uziPerson, 'UZI'],
  [IdentifierSystem.big, 'BIG'],
];

const joinPresent = (parts: readonly (string | undefined)[], separator = ' '): string | undefined => {
  const present = parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return present.length ? present.join(separator) : undefined;
};

/** The official name (else the first): HumanName.text, or prefix, given names, family name and suffix. */
export function nameText(names: readonly HumanName[] | undefined): string | undefined {
  const list = objs(names);
  const name = list.find((n) => n.use === 'official') ?? list[0];
  if (!name) return undefined;
  return (
    str(name.text) ??
    joinPresent([...strs(name.prefix), ...strs(name.given), str(name.family), ...strs(name.suffix)])
  );
}

/** The first name of the usual name (roepnaam), when the person has one besides the official name. */
export function callName(names: readonly HumanName[] | undefined): string | undefined {
  const usual = objs(names).find((n) => n.use === 'usual');
  return usual ? (str(usual.text) ?? joinPresent(strs(usual.given))) : undefined;
}

/** Known Dutch identifiers such as "BSN 999911120"; other systems are internal and left out. */
export function identifiersText(identifiers: readonly Identifier[] | undefined): string | undefined {
  const labelled = IDENTIFIER_LABELS.flatMap(([system, label]) =>
    objs(identifiers)
      .filter((i) => i.system === system && str(i.value))
      .map((i) => `${label} ${i.value}`),
  );
  return joinPresent(labelled, ', ');
}

/**
 * Reference display, else its identifier ("AGB 01012345"). A literal reference such as "Condition/123"
 * means nothing to a reader, and fetching the target would be a lookup, so it is not shown.
 */
export function referenceText(reference: Reference | undefined): string | undefined {
  const ref = obj(reference);
  const identifier = obj(ref?.identifier);
  return str(ref?.display) ?? (identifier && (identifiersText([identifier]) ?? str(identifier.value)));
}

export function referencesText(references: readonly Reference[] | undefined): (string | undefined)[] {
  return objs(references).map(referenceText);
}

/** "Kerkstraat 8, 9411 KE Beilen" from the address text or its parts. */
export function addressText(addresses: readonly Address[] | undefined): string | undefined {
  const list = objs(addresses);
  const address = list.find((a) => a.use === 'home') ?? list[0];
  if (!address) return undefined;
  const place = joinPresent([str(address.postalCode), str(address.city)]);
  return str(address.text) ?? joinPresent([...strs(address.line), place], ', ');
}

export function phoneText(telecom: readonly ContactPoint[] | undefined): string | undefined {
  return joinPresent(
    objs(telecom)
      .filter((t) => t.system === 'phone')
      .map((t) => str(t.value)),
    ', ',
  );
}

/** A decimal the Dutch way ("7,5 kg"), keeping the precision as sent. */
export function quantityText(quantity: Quantity | undefined): string | undefined {
  const q = obj(quantity);
  if (typeof q?.value !== 'number') return undefined;
  const value = String(q.value).replace('.', ',');
  return joinPresent([str(q.comparator), value, str(q.unit) ?? str(q.code)]);
}

export function notesText(notes: readonly Annotation[] | undefined): (string | undefined)[] {
  return objs(notes).map((n) => str(n.text));
}

/** Readable value of a simple extension (string, code, date, CodeableConcept or Reference). */
export function extensionText(extensions: readonly Extension[] | undefined, url: string): string | undefined {
  const ext = objs(extensions).find((e) => e.url === url);
  if (!ext) return undefined;
  return (
    str(ext.valueString) ??
    str(ext.valueCode) ??
    str(ext.valueDate) ??
    str(ext.valueDateTime) ??
    conceptText(ext.valueCodeableConcept) ??
    referenceText(ext.valueReference)
  );
}

export const booleanText = (value: boolean | undefined): string | undefined =>
  typeof value !== 'boolean' ? undefined : value ? 'ja' : 'nee';
