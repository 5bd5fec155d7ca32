import type { Resource } from '@medplum/fhirtypes';
import { barthelValues, PROBLEMS, type ProblemKind } from './clinical';
import { FEMALE_NAMES, MALE_NAMES, SURNAMES } from './drenthe';
import {
  CS,
  NS,
  PROFILE,
  SCT,
  address,
  cc,
  coding,
  dutchOffset,
  gender,
  meta,
  nameText,
  officialName,
  phone,
  ref,
  regionId,
} from './fhir-parts';
import { randomAddress, type Professional, type Region, type RegionOrganization } from './region';
import {
  between,
  daysAfter,
  daysBefore,
  digits,
  pick,
  recordRandom,
  stableUuid,
  type Random,
} from './random';
import { REFERRAL_STATUSES, requestStatusFor, type ReferralStatus } from '../domain/referral';

/** The day generated data is "now": fixed, so that the same seed gives the same data on any day. */
export const REFERENCE_DATE = '2026-11-01';

/** An aanmelding with one of these statuses has led to a zorgtraject. */
const IN_TRAJECTORY: readonly ReferralStatus[] = ['accepted', 'in-progress', 'completed'];
const NO_TRAJECTORY: readonly ReferralStatus[] = [
  'requested',
  'received',
  'rejected',
  'on-hold',
  'failed',
  'cancelled',
];
const REJECTIONS = [
  ['geen-bed-beschikbaar', 'Geen bed beschikbaar'],
  ['buiten-indicatiecriteria', 'Buiten indicatiecriteria'],
  ['onvoldoende-informatie', 'Onvoldoende informatie'],
  ['capaciteit-team', 'Onvoldoende capaciteit team'],
  ['client-weigert', 'Cliënt weigert'],
  ['andere-zorgvorm-passender', 'Andere zorgvorm passender'],
  ['overig', 'Overig'],
] as const;
const ESCALATIONS = [
  ['escalatie-advies', 'Escalatie behandelnetwerk: advies'],
  ['escalatie-aanvullende-diagnostiek', 'Escalatie behandelnetwerk: aanvullende diagnostiek'],
  ['escalatie-medebehandeling', 'Escalatie behandelnetwerk: medebehandeling'],
] as const;
const ROLE = {
  regiebehandelaar: [
    cc(CS.participationType, 'RESP', 'Responsible Party', 'Regiebehandelaar (hoofdbehandelaar)'),
  ],
  behandelaar: [cc(CS.participationType, 'ATND', 'Attender', 'Behandelaar (huisarts)')],
  casemanager: [cc(SCT, '768832004', 'casemanager', 'Casemanager')],
  uitvoerder: [cc(CS.participationType, 'PRF', 'Performer', 'Uitvoerder')],
};

interface Party {
  type: 'PractitionerRole' | 'Organization';
  id: string;
  display: string;
  identifier: { system: string; value: string };
}
const roleParty = (p: Professional): Party => ({
  type: 'PractitionerRole',
  id: p.roleId,
  display: p.display,
  identifier: { system: NS.agb, value: p.agb },
});
const orgParty = (o: RegionOrganization): Party => ({
  type: 'Organization',
  id: o.id,
  display: o.name,
  identifier: { system: NS.ura, value: o.ura },
});

/** What one patient's records need to know about each other while they are built. */
class PatientContext {
  readonly rnd: Random;
  readonly out: Resource[] = [];
  readonly patientId: string;
  patientText = '';

  constructor(
    readonly region: Region,
    readonly index: number,
  ) {
    this.rnd = recordRandom(region.seed, `patient-${index}`);
    this.patientId = this.id('patient');
  }

  id(kind: string): string {
    return stableUuid(this.region.seed, `p${this.index}-${kind}`);
  }

  key(kind: string): string {
    return `p${this.index}-${kind}`;
  }

  patientRef() {
    return ref('Patient', this.patientId, this.patientText);
  }

  add(resource: Record<string, unknown>): void {
    this.out.push(resource as unknown as Resource);
  }
}

/**
 * The records of patient `index` of the region: Patient, problems and, when the aanmelding led to a zorgtraject,
 * CareTeam, EpisodeOfCare, CarePlan, Goals and sometimes a Barthel index; and one or two referrals
 * (ServiceRequest + Task). Statuses cycle with the index, so every referral status occurs in a few dozen patients.
 */
export function patientRecords(region: Region, index: number, bsn: string | undefined): Resource[] {
  const c = new PatientContext(region, index);
  const practiceNo = index % region.practices.length;
  const practice = region.practices[practiceNo];
  const gp = pick(c.rnd, practice.gps);
  const team = region.mesoTeams[practiceNo % region.mesoTeams.length];
  const vvt = region.vvts[practiceNo % region.vvts.length];
  const nurse = pick(c.rnd, vvt.nurses);
  addPatient(c, bsn, gp);

  const problems = drawProblems(c);
  const conditionIds = problems.map((p, i) => addCondition(c, p, i));
  const cycle = Math.floor(index / 5);
  const inTrajectory = index % 5 !== 4;
  const status = inTrajectory ? IN_TRAJECTORY[cycle % 3] : NO_TRAJECTORY[cycle % NO_TRAJECTORY.length];
  const authoredOn = daysBefore(REFERENCE_DATE, between(c.rnd, 20, 700));
  const requester = c.rnd() < 0.7 ? roleParty(gp) : roleParty(nurse);
  const aanmelding = addReferral(c, 'aanmelding', {
    kind: ['aanmelding-meso-team', 'Aanmelding MESO-team'],
    status,
    authoredOn,
    requester,
    owner: orgParty(team),
    reasonIds: conditionIds.slice(0, 1),
  });
  let carePlanId: string | undefined;
  if (inTrajectory) {
    const start = daysAfter(authoredOn, between(c.rnd, 5, 15));
    const end = status === 'completed' ? daysAfter(start, between(c.rnd, 60, 300)) : undefined;
    carePlanId = addTrajectory(c, {
      start,
      end,
      team,
      gp,
      nurse,
      problems,
      conditionIds,
      referralId: aanmelding,
    });
  }
  // Every third patient also has an escalation to the behandelnetwerk or an ELV request, in any status.
  if (index % 3 === 0) {
    const second = REFERRAL_STATUSES[Math.floor(index / 3) % REFERRAL_STATUSES.length];
    const elv = Math.floor(index / 3) % 2 === 0;
    addReferral(c, elv ? 'elv-aanvraag' : 'escalatie', {
      kind: elv ? ['elv-aanvraag', 'Aanvraag eerstelijnsverblijf (ELV)'] : pick(c.rnd, ESCALATIONS),
      status: second,
      authoredOn: daysAfter(authoredOn, between(c.rnd, 1, 19)),
      requester: elv ? roleParty(gp) : roleParty(team.so),
      owner: elv ? orgParty(vvt) : orgParty(region.network),
      reasonIds: conditionIds.slice(0, 1),
      orderDetail: elv ? cc(CS.mgz, 'elv-hoog-complex', 'ELV hoog complex') : undefined,
      basedOn: carePlanId,
    });
  }
  return c.out;
}

/** The generator's own patient numbers, for patients past the test BSN range. */
export const GENERATED_PATIENT = 'https://meso-zorg.nl/fhir/NamingSystem/generated-patient';

function addPatient(c: PatientContext, bsn: string | undefined, gp: Professional): void {
  const female = c.rnd() < 0.6;
  const names = female ? FEMALE_NAMES : MALE_NAMES;
  const [ownPrefix, ownName] = pick(c.rnd, SURNAMES);
  const married = female && c.rnd() < 0.5;
  const name = {
    given: c.rnd() < 0.5 ? [pick(c.rnd, names)] : [pick(c.rnd, names), pick(c.rnd, names)],
    ownPrefix,
    ownName,
    ...(married ? { partnerName: pick(c.rnd, SURNAMES)[1] } : {}),
  };
  c.patientText = nameText(name);
  const birth = `${between(c.rnd, 1922, 1950)}-${digits(between(c.rnd, 1, 12), 2)}-${digits(between(c.rnd, 1, 28), 2)}`;
  c.add({
    resourceType: 'Patient',
    id: c.patientId,
    meta: meta(PROFILE.patient),
    // A BSN only from the test range; beyond it the region's own number, never a BSN that may be a real person's.
    identifier: [
      bsn ? { system: NS.bsn, value: bsn } : { system: GENERATED_PATIENT, value: `P${digits(c.index, 7)}` },
    ],
    active: true,
    name: [officialName(name)],
    telecom: [phone(`+3159${digits(between(c.rnd, 0, 9_999_999), 7)}`, 'home')],
    ...gender(female ? 'female' : 'male'),
    birthDate: birth,
    deceasedBoolean: false,
    address: [address(randomAddress(c.rnd), 'home')],
    generalPractitioner: [ref('PractitionerRole', gp.roleId, gp.display)],
  });
}

function drawProblems(c: PatientContext): ProblemKind[] {
  const count = between(c.rnd, 1, 3);
  const chosen = new Set<ProblemKind>();
  while (chosen.size < count) chosen.add(pick(c.rnd, PROBLEMS));
  return [...chosen];
}

function addCondition(c: PatientContext, p: ProblemKind, i: number): string {
  const id = c.id(`problem-${i}`);
  c.add({
    resourceType: 'Condition',
    id,
    meta: meta(PROFILE.problem),
    identifier: [regionId(c.key(`problem-${i}`))],
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
    verificationStatus: {
      coding: [
        coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
        coding(SCT, '410605003', 'aanwezigheid bevestigd'),
      ],
    },
    category: [p.type, cc(CS.problemDomain, p.domain[0], p.domain[1])],
    code: cc(p.system, p.code, p.display),
    subject: c.patientRef(),
    onsetDateTime: daysBefore(REFERENCE_DATE, between(c.rnd, 100, 5000)),
  });
  return id;
}

interface Trajectory {
  start: string;
  end?: string;
  team: Region['mesoTeams'][number];
  gp: Professional;
  nurse: Professional;
  problems: ProblemKind[];
  conditionIds: string[];
  referralId: string;
}

/** CareTeam, EpisodeOfCare (zorgtraject), Goals, CarePlan and maybe a Barthel index; returns the CarePlan id. */
function addTrajectory(c: PatientContext, t: Trajectory): string {
  const period = { start: t.start, ...(t.end ? { end: t.end } : {}) };
  const teamId = c.id('careteam');
  const teamName = `MESO-team ${c.patientText}`;
  c.add({
    resourceType: 'CareTeam',
    id: teamId,
    meta: meta(PROFILE.careTeam),
    identifier: [regionId(c.key('careteam'))],
    status: t.end ? 'inactive' : 'active',
    name: teamName,
    subject: c.patientRef(),
    period,
    participant: [
      { role: ROLE.regiebehandelaar, member: ref('PractitionerRole', t.team.so.roleId, t.team.so.display) },
      { role: ROLE.behandelaar, member: ref('PractitionerRole', t.gp.roleId, t.gp.display) },
      { role: ROLE.casemanager, member: ref('PractitionerRole', t.team.vs.roleId, t.team.vs.display) },
      { role: ROLE.uitvoerder, member: ref('PractitionerRole', t.nurse.roleId, t.nurse.display) },
      { member: c.patientRef() },
    ],
    reasonReference: t.conditionIds.map((id, i) => ref('Condition', id, t.problems[i].display)),
    managingOrganization: [ref('Organization', t.team.id, t.team.name)],
  });
  const episodeId = c.id('zorgtraject');
  c.add({
    resourceType: 'EpisodeOfCare',
    id: episodeId,
    meta: meta(PROFILE.zorgtraject),
    extension: [
      {
        url: 'http://nictiz.nl/fhir/StructureDefinition/ext-EpisodeOfCare.EpisodeOfCareName',
        valueString: 'Zorgtraject kwetsbare patiënten',
      },
    ],
    identifier: [regionId(c.key('zorgtraject'))],
    status: t.end ? 'finished' : 'active',
    type: [cc(CS.trajectory, 'zorgtraject-kwetsbare-patienten', 'Zorgtraject kwetsbare patiënten')],
    diagnosis: [{ condition: ref('Condition', t.conditionIds[0], t.problems[0].display) }],
    patient: c.patientRef(),
    managingOrganization: ref('Organization', t.team.id, t.team.name),
    period,
    referralRequest: [ref('ServiceRequest', t.referralId, 'Aanmelding MESO-team')],
    careManager: ref('PractitionerRole', t.team.so.roleId, t.team.so.display),
    team: [ref('CareTeam', teamId, teamName)],
  });
  const goalCount = Math.min(t.problems.length, between(c.rnd, 1, 2));
  const goals = t.problems.slice(0, goalCount).map((p, i) => {
    const id = c.id(`goal-${i}`);
    c.add({
      resourceType: 'Goal',
      id,
      meta: meta(PROFILE.goal),
      identifier: [regionId(c.key(`goal-${i}`))],
      lifecycleStatus: t.end ? 'completed' : 'active',
      description: { text: p.goal },
      subject: c.patientRef(),
      addresses: [ref('Condition', t.conditionIds[i], p.display)],
    });
    return { id, text: p.goal };
  });
  const carePlanId = c.id('zorgbehandelplan');
  const created = daysAfter(t.start, between(c.rnd, 7, 21));
  c.add({
    resourceType: 'CarePlan',
    id: carePlanId,
    meta: meta(PROFILE.carePlan),
    extension: [
      ...(t.end
        ? []
        : [
            {
              url: 'https://meso-zorg.nl/fhir/StructureDefinition/meso-ext-next-evaluation-date',
              valueDate: daysAfter(REFERENCE_DATE, between(c.rnd, 14, 180)),
            },
          ]),
      {
        url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare',
        valueReference: ref('EpisodeOfCare', episodeId, 'Zorgtraject kwetsbare patiënten'),
      },
    ],
    identifier: [regionId(c.key('zorgbehandelplan'))],
    status: t.end ? 'completed' : 'active',
    intent: 'plan',
    category: [cc(SCT, '135411000146103', 'Multidisciplinary care regime', 'Zorgbehandelplan')],
    title: `Zorgbehandelplan ${c.patientText}`,
    description: `Multidisciplinair zorgbehandelplan, vastgesteld in het MDO met ${c.patientText}.`,
    subject: c.patientRef(),
    period: { start: created, ...(t.end ? { end: t.end } : {}) },
    created,
    author: ref('PractitionerRole', t.team.so.roleId, t.team.so.display),
    careTeam: [ref('CareTeam', teamId, teamName)],
    addresses: t.conditionIds.map((id, i) => ref('Condition', id, t.problems[i].display)),
    goal: goals.map((g) => ref('Goal', g.id, g.text)),
  });
  if (c.rnd() < 0.4) {
    c.add({
      resourceType: 'Observation',
      id: c.id('barthel'),
      meta: meta(PROFILE.barthel),
      identifier: [regionId(c.key('barthel'))],
      status: 'final',
      code: cc(SCT, '273302005', 'Barthel-index'),
      subject: c.patientRef(),
      effectiveDateTime: daysAfter(t.start, between(c.rnd, 0, 14)),
      ...barthelValues((n) => Math.floor(c.rnd() * n)),
    });
  }
  return carePlanId;
}

interface Referral {
  kind: readonly [string, string];
  status: ReferralStatus;
  authoredOn: string;
  requester: Party;
  owner: Party;
  reasonIds: string[];
  orderDetail?: ReturnType<typeof cc>;
  basedOn?: string;
}

/** A referral: ServiceRequest plus the Task that carries its status; returns the ServiceRequest id. */
function addReferral(c: PatientContext, name: string, r: Referral): string {
  const srId = c.id(`${name}-servicerequest`);
  const partyRef = (p: Party, withIdentifier: boolean) =>
    ref(p.type, p.id, p.display, withIdentifier ? { identifier: p.identifier } : {});
  c.add({
    resourceType: 'ServiceRequest',
    id: srId,
    meta: meta(PROFILE.referralRequest),
    identifier: [regionId(c.key(`${name}-servicerequest`))],
    // Before a decision the request is active; after it, as the workflow's effects leave it (one rule).
    status: requestStatusFor(r.status) ?? 'active',
    intent: 'order',
    category: [cc(SCT, '3457005', 'verwijzen van patiënt', 'Verwijzing')],
    code: cc(CS.referralKind, r.kind[0], r.kind[1]),
    ...(r.orderDetail ? { orderDetail: [r.orderDetail] } : {}),
    subject: c.patientRef(),
    authoredOn: r.authoredOn,
    requester: partyRef(r.requester, false),
    performer: [partyRef(r.owner, false)],
    reasonReference: r.reasonIds.map((id) => ref('Condition', id)),
  });
  const modified = daysAfter(r.authoredOn, r.status === 'requested' ? 0 : between(c.rnd, 1, 10));
  c.add({
    resourceType: 'Task',
    id: c.id(`${name}-task`),
    meta: meta(PROFILE.referralTask),
    identifier: [regionId(c.key(`${name}-task`))],
    ...(r.basedOn ? { basedOn: [ref('CarePlan', r.basedOn, 'Zorgbehandelplan')] } : {}),
    status: r.status,
    ...statusReason(c, r.status),
    intent: 'order',
    code: cc(CS.referralKind, r.kind[0], r.kind[1]),
    focus: ref('ServiceRequest', srId, r.kind[1]),
    for: c.patientRef(),
    authoredOn: `${r.authoredOn}T09:30:00${dutchOffset(r.authoredOn)}`,
    lastModified: `${modified}T14:00:00${dutchOffset(modified)}`,
    requester: partyRef(r.requester, true),
    owner: partyRef(r.owner, true),
  });
  return srId;
}

/** A rejection always carries a coded reason (and `overig` a text); a cancelled or failed referral says why. */
function statusReason(c: PatientContext, status: ReferralStatus): Record<string, unknown> {
  if (status === 'rejected') {
    const [code, display] = pick(c.rnd, REJECTIONS);
    const text = code === 'overig' ? 'Cliënt verhuist binnenkort buiten de regio.' : undefined;
    return { statusReason: { coding: [coding(CS.rejection, code, display)], ...(text ? { text } : {}) } };
  }
  if (status === 'cancelled') return { statusReason: { text: 'Ingetrokken door de verwijzer.' } };
  if (status === 'failed') return { statusReason: { text: 'Cliënt was niet bereikbaar voor de intake.' } };
  return {};
}
