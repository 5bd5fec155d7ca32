import type { Organization, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { FEMALE_NAMES, MALE_NAMES, PLACES, STREETS, SURNAMES, postcodeLetters } from './drenthe';
import {
  NS,
  PROFILE,
  CS,
  address,
  cc,
  gender,
  meta,
  nameText,
  officialName,
  phone,
  ref,
  regionId,
  type PostalAddress,
} from './fhir-parts';
import { between, digits, pick, recordRandom, stableUuid, type Random } from './random';

/** An organisation of the region, as other records refer to it. */
export interface RegionOrganization {
  id: string;
  name: string;
  ura: string;
}

/** A professional: Practitioner plus PractitionerRole at an organisation. */
export interface Professional {
  roleId: string;
  display: string;
  /** The Practitioner's AGB, the identifier a referral Task names its requester by. */
  agb: string;
  organization: RegionOrganization;
}

export interface Region {
  seed: number;
  practices: Array<RegionOrganization & { gps: Professional[] }>;
  vvts: Array<RegionOrganization & { nurses: Professional[] }>;
  mesoTeams: Array<RegionOrganization & { so: Professional; vs: Professional }>;
  /** The regional behandelnetwerk (mobiel geriatrisch team) that escalations go to. */
  network: RegionOrganization & { so: Professional };
  platform: RegionOrganization;
  /** The Organizations, Practitioners and PractitionerRoles above, in a fixed order. */
  resources: Resource[];
}

const SPECIALTY = {
  gp: ['01.015', 'Huisarts'],
  so: ['01.047', 'Specialist ouderengeneeskunde'],
  vs: ['30.068', 'Verpl. spec. chronische zorg bij som. aandoeningen'],
  nurse: ['30.000', 'Verpleegkundige'],
} as const;
type Specialty = keyof typeof SPECIALTY;
/** AGB-Z zorgverlenerssoort of persons and organisations (the first two digits). */
const AGB_KIND: Record<Specialty, string> = { gp: '01', so: '98', vs: '98', nurse: '75' };

/** Region sizes per number of patients: roughly a Drenthe GP practice's over-75s, and MESO team capacity. */
export function regionSizes(patients: number) {
  return {
    practices: Math.max(1, Math.ceil(patients / 800)),
    vvts: Math.max(1, Math.ceil(patients / 5000)),
    mesoTeams: Math.max(1, Math.ceil(patients / 2500)),
  };
}

export function randomAddress(rnd: Random): PostalAddress {
  const [city, first, count] = pick(rnd, PLACES);
  const letters = postcodeLetters(between(rnd, 0, 99), between(rnd, 0, 99));
  return {
    street: pick(rnd, STREETS),
    number: String(between(rnd, 1, 150)),
    postalCode: `${first + between(rnd, 0, count - 1)} ${letters}`,
    city,
  };
}

/** The practices, VVT organisations, MESO teams, behandelnetwerk and platform of a region of `patients`. */
export function buildRegion(seed: number, patients: number): Region {
  const b = new DirectoryBuilder(seed);
  const sizes = regionSizes(patients);
  const practices = Array.from({ length: sizes.practices }, (_, i) => {
    const org = b.organization(`practice-${i}`, `Huisartsenpraktijk ${b.placeName(i)}`, '01', [
      'Z3',
      'Huisartspraktijk (zelfstandig of groepspraktijk)',
    ]);
    return { ...org, gps: [0, 1].map((n) => b.professional(`practice-${i}-gp-${n}`, 'gp', org)) };
  });
  const vvts = Array.from({ length: sizes.vvts }, (_, i) => {
    const org = b.organization(`vvt-${i}`, `Zorggroep ${b.placeName(i + 7)}`, '75', [
      'X3',
      'Verplegings- of verzorgingsinstelling',
    ]);
    return { ...org, nurses: [0, 1, 2].map((n) => b.professional(`vvt-${i}-nurse-${n}`, 'nurse', org)) };
  });
  const mesoTeams = Array.from({ length: sizes.mesoTeams }, (_, i) => {
    const org = b.organization(`meso-${i}`, `MESO Ouderenzorg ${b.placeName(i + 3)}`, '98');
    return {
      ...org,
      so: b.professional(`meso-${i}-so`, 'so', org),
      vs: b.professional(`meso-${i}-vs`, 'vs', org),
    };
  });
  const networkOrg = b.organization('network', 'Behandelnetwerk Ouderenzorg Drenthe', '98');
  const network = { ...networkOrg, so: b.professional('network-so', 'so', networkOrg) };
  const platform = b.organization('platform', 'Regionaal Dataplatform Zorg Drenthe', '98');
  return { seed, practices, vvts, mesoTeams, network, platform, resources: b.resources };
}

/** Accumulates directory resources with unique, fictional identifiers (URA 91xxxxxx, AGB kind + 9xxxxx). */
class DirectoryBuilder {
  readonly resources: Resource[] = [];
  private organizations = 0;
  private persons = 0;

  constructor(private readonly seed: number) {}

  placeName(i: number): string {
    return PLACES[i % PLACES.length][0] + (i >= PLACES.length ? ` ${Math.floor(i / PLACES.length) + 1}` : '');
  }

  organization(key: string, name: string, agbKind: string, type?: readonly [string, string]) {
    const n = this.organizations++;
    const rnd = recordRandom(this.seed, key);
    const org: RegionOrganization = { id: stableUuid(this.seed, key), name, ura: `91${digits(n, 6)}` };
    const resource: Organization = {
      resourceType: 'Organization',
      id: org.id,
      meta: meta(PROFILE.organization),
      identifier: [
        { system: NS.ura, value: org.ura },
        { system: NS.agb, value: `${agbKind}9${digits(n, 5)}` },
      ],
      active: true,
      ...(type ? { type: [cc(CS.orgType, type[0], type[1])] } : {}),
      name,
      telecom: [phone(`+31592${digits(between(rnd, 100000, 999999), 6)}`, 'work')],
      address: [address(randomAddress(rnd), 'work') as Organization['address'] & object],
    } as Organization;
    this.resources.push(resource);
    return org;
  }

  professional(key: string, specialty: Specialty, organization: RegionOrganization): Professional {
    const n = this.persons++;
    const rnd = recordRandom(this.seed, key);
    const female = rnd() < 0.6;
    const [ownPrefix, ownName] = pick(rnd, SURNAMES);
    const name = { given: [pick(rnd, female ? FEMALE_NAMES : MALE_NAMES)], ownPrefix, ownName };
    const agb = `${AGB_KIND[specialty]}${digits(500_000 + n, 6)}`;
    const practitionerId = stableUuid(this.seed, `${key}-practitioner`);
    const practitioner = {
      resourceType: 'Practitioner',
      id: practitionerId,
      meta: meta(PROFILE.practitioner),
      identifier: [
        { system: NS.agb, value: agb },
        { system: NS.uziPerson, value: `9${digits(50_000_000 + n, 8)}` },
        { system: NS.big, value: `7${digits(n, 8)}01` },
      ],
      active: true,
      name: [officialName(name)],
      ...gender(female ? 'female' : 'male'),
    } as unknown as Practitioner;
    const [code, label] = SPECIALTY[specialty];
    const display = `${nameText(name)}, ${label}`;
    const roleId = stableUuid(this.seed, `${key}-role`);
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: roleId,
      meta: meta(PROFILE.practitionerRole),
      identifier: [regionId(`${key}-role`)],
      active: true,
      practitioner: ref('Practitioner', practitionerId, nameText(name)),
      organization: ref('Organization', organization.id, organization.name),
      specialty: [cc(NS_UZI_ROLE, code, label)],
    };
    this.resources.push(practitioner, role);
    return { roleId, display, agb, organization };
  }
}

const NS_UZI_ROLE = CS.uziRol;
