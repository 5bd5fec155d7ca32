import type { HumanName } from '@medplum/fhirtypes';
import type { PersonName } from '../../../meso-document/document';

/**
 * zib NaamGegevens ⇄ nl-core-NameInformation. The official name carries the name parts as extensions on
 * `family` (so voorvoegsels and the partner's name survive) and the assembly order NL1–NL4; given names have
 * qualifier BR, the initials one given with qualifier IN. The roepnaam is a second HumanName with use `usual`
 * (nl-core-NameInformation.GivenName). The untyped `_family`/`_given` are FHIR JSON primitive extensions.
 */

const EXT = {
  assemblyOrder: 'http://hl7.org/fhir/StructureDefinition/humanname-assembly-order',
  qualifier: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier',
  ownPrefix: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix',
  ownName: 'http://hl7.org/fhir/StructureDefinition/humanname-own-name',
  partnerPrefix: 'http://hl7.org/fhir/StructureDefinition/humanname-partner-prefix',
  partnerName: 'http://hl7.org/fhir/StructureDefinition/humanname-partner-name',
} as const;

type Ext = { url: string; valueString?: string; valueCode?: string };
type Primitive = { extension?: Ext[] } | null;
type JsonName = HumanName & { _family?: Primitive; _given?: Primitive[] };

const join = (...parts: Array<string | undefined>) => parts.filter(Boolean).join(' ');

/** The geslachtsnaam as it is used, in the order NL1–NL4 prescribe. */
export function familyName(n: PersonName): string {
  const own = join(n.ownPrefix, n.ownName);
  const partner = join(n.partnerPrefix, n.partnerName);
  if (!n.partnerName) return own;
  switch (n.nameUsage) {
    case 'NL2':
      return partner;
    case 'NL3':
      return `${partner}-${own}`;
    case 'NL4':
      return `${own}-${partner}`;
    default:
      return own;
  }
}

/** "I. (Ingrid) van der Veen": how the narrative and displays name a person. */
export function nameDisplay(n: PersonName): string {
  return join(
    n.initials ?? n.givenNames?.join(' '),
    n.callName ? `(${n.callName})` : undefined,
    familyName(n),
  );
}

const stringExt = (url: string, value: string | undefined): Ext[] =>
  value ? [{ url, valueString: value }] : [];

export function nameToFhir(n: PersonName): HumanName[] {
  const givens = [
    ...(n.givenNames ?? []).map((g) => [g, 'BR'] as const),
    ...(n.initials ? [[n.initials, 'IN'] as const] : []),
  ];
  const official: JsonName = {
    extension: [{ url: EXT.assemblyOrder, valueCode: n.nameUsage }],
    use: 'official',
    text: nameDisplay({ ...n, callName: undefined }),
    family: familyName(n),
    _family: {
      extension: [
        ...stringExt(EXT.ownPrefix, n.ownPrefix),
        ...stringExt(EXT.ownName, n.ownName),
        ...stringExt(EXT.partnerPrefix, n.partnerPrefix),
        ...stringExt(EXT.partnerName, n.partnerName),
      ],
    },
    ...(givens.length
      ? {
          given: givens.map(([g]) => g),
          _given: givens.map(([, q]) => ({ extension: [{ url: EXT.qualifier, valueCode: q }] })),
        }
      : {}),
  };
  const usual: HumanName[] = n.callName ? [{ use: 'usual', given: [n.callName] }] : [];
  return [official as HumanName, ...usual];
}

const extValue = (p: Primitive | undefined, url: string) =>
  p?.extension?.find((e) => e.url === url)?.valueString ??
  p?.extension?.find((e) => e.url === url)?.valueCode;

export function nameFromFhir(names: HumanName[] | undefined): PersonName {
  const official = (names?.find((n) => n.use === 'official') ?? names?.[0] ?? {}) as JsonName;
  const usual = names?.find((n) => n.use === 'usual');
  const qualifiers = (official.given ?? []).map((g, i) => [g, extValue(official._given?.[i], EXT.qualifier)]);
  const givenNames = qualifiers.filter(([, q]) => q !== 'IN').map(([g]) => g as string);
  const initials = qualifiers.find(([, q]) => q === 'IN')?.[0];
  const usage = official.extension?.find((e) => e.url === EXT.assemblyOrder)?.valueCode;
  return stripUndefined({
    initials,
    givenNames: givenNames.length ? givenNames : undefined,
    callName: usual?.given?.[0],
    ownPrefix: extValue(official._family, EXT.ownPrefix),
    ownName: extValue(official._family, EXT.ownName) ?? official.family ?? '',
    partnerPrefix: extValue(official._family, EXT.partnerPrefix),
    partnerName: extValue(official._family, EXT.partnerName),
    nameUsage: (usage ?? 'NL1') as PersonName['nameUsage'],
  });
}

/** Drops undefined members, so rebuilt documents compare equal to input that simply omits them. */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
