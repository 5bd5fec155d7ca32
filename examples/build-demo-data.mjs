// Builds the fictional MESO demo data set. Run `node examples/build-demo-data.mjs` after editing; it writes
//   examples/demo-data.json   one FHIR transaction Bundle: urn:uuid fullUrls, POST with ifNoneExist on an
//                             identifier, so loading it twice creates nothing new;
//   examples/fixtures/*.json  the same resources one per file, with ids and relative references, as test fixtures.
// Every person, organisation and number here is FICTIONAL. BSNs are Nictiz test BSNs (9999xxxxx) that pass the
// 11-proef; URA/AGB/UZI/BIG numbers only have a plausible format.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const MESO = 'https://meso-zorg.nl/fhir';
const NL = 'http://nictiz.nl/fhir/StructureDefinition/';
const SCT = 'http://snomed.info/sct';
const NS = {
  bsn: 'http://fhir.nl/fhir/NamingSystem/bsn',
  agb: 'http://fhir.nl/fhir/NamingSystem/agb-z',
  ura: 'http://fhir.nl/fhir/NamingSystem/ura',
  uzi: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers',
  big: 'http://fhir.nl/fhir/NamingSystem/big',
  // Business identifiers of the demo's own records (care plans, teams, referrals, …).
  demo: `${MESO}/NamingSystem/demo-id`,
};
const CS = {
  trajectory: `${MESO}/CodeSystem/trajectory-type`,
  referralKind: `${MESO}/CodeSystem/referral-kind`,
  rejection: `${MESO}/CodeSystem/referral-rejection-reason`,
  problemDomain: `${MESO}/CodeSystem/problem-domain`,
  mgz: `${MESO}/CodeSystem/mgz-service`,
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  uziRol: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode',
  orgType: 'http://nictiz.nl/fhir/NamingSystem/organization-type',
  icpc: 'http://hl7.org/fhir/sid/icpc-1-nl',
  icf: 'http://hl7.org/fhir/sid/icf-nl',
};
const PROFILE = {
  patient: `${NL}nl-core-Patient`,
  contactPerson: `${NL}nl-core-ContactPerson`,
  practitioner: `${NL}nl-core-HealthProfessional-Practitioner`,
  practitionerRole: `${NL}nl-core-HealthProfessional-PractitionerRole`,
  organization: `${NL}nl-core-HealthcareProvider-Organization`,
  problem: `${NL}nl-core-Problem`,
  goal: `${NL}nl-core-TreatmentObjective`,
  helpFromOthers: `${NL}nl-core-HelpFromOthers`,
  barthel: `${NL}nl-core-BarthelADLIndex`,
  advanceDirective: `${NL}nl-core-AdvanceDirective`,
  careTeam: `${MESO}/StructureDefinition/meso-careteam`,
  zorgtraject: `${MESO}/StructureDefinition/meso-zorgtraject`,
  carePlan: `${MESO}/StructureDefinition/meso-careplan`,
  referralRequest: `${MESO}/StructureDefinition/meso-referral-servicerequest`,
  referralTask: `${MESO}/StructureDefinition/meso-referral-task`,
};
const EXT = {
  qualifier: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier',
  assemblyOrder: 'http://hl7.org/fhir/StructureDefinition/humanname-assembly-order',
  ownPrefix: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix',
  ownName: 'http://hl7.org/fhir/StructureDefinition/humanname-own-name',
  partnerName: 'http://hl7.org/fhir/StructureDefinition/humanname-partner-name',
  codeSpec: 'http://nictiz.nl/fhir/StructureDefinition/ext-CodeSpecification',
  addressType: 'http://nictiz.nl/fhir/StructureDefinition/ext-AddressInformation.AddressType',
  streetName: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-streetName',
  houseNumber: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-houseNumber',
  episodeOfCare: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare',
  nextEvaluation: `${MESO}/StructureDefinition/meso-ext-next-evaluation-date`,
  episodeName: 'http://nictiz.nl/fhir/StructureDefinition/ext-EpisodeOfCare.EpisodeOfCareName',
  comment: 'http://nictiz.nl/fhir/StructureDefinition/ext-Comment',
};

// ------------------------------------------------------------------ building blocks

/** The records, in load order. Each: { key, resource, identifier: {system, value} }. */
const records = [];
const byKey = new Map();

function add(key, resource, identifier) {
  if (byKey.has(key)) throw new Error(`duplicate key ${key}`);
  if (!resource.identifier?.some((i) => i.system === identifier.system && i.value === identifier.value)) {
    throw new Error(`${key}: ifNoneExist identifier must be one of the resource's identifiers`);
  }
  const record = { key, resource, identifier };
  records.push(record);
  byKey.set(key, record);
  return key;
}

const demoId = (value) => ({ system: NS.demo, value });
/** A reference to another record; rendered as urn:uuid in the bundle and Type/id in the fixtures. */
const ref = (key, display, extra = {}) => ({ reference: `@${key}`, type: typeOfKey(key), display, ...extra });
const typeOfKey = (key) => {
  const record = byKey.get(key);
  if (!record) throw new Error(`reference to unknown (or later) record ${key}`);
  return record.resource.resourceType;
};
const coding = (system, code, display) => ({ system, code, display });
const cc = (system, code, display, text) => ({ coding: [coding(system, code, display)], ...(text ? { text } : {}) });

function officialName({ given, initials, ownPrefix, ownName, partnerName, prefix }) {
  const family = partnerName ? `${partnerName}-${[ownPrefix, ownName].filter(Boolean).join(' ')}` : [ownPrefix, ownName].filter(Boolean).join(' ');
  const givens = given ?? initials;
  const qualifier = given ? 'BR' : 'IN';
  const familyExt = [
    ownPrefix && { url: EXT.ownPrefix, valueString: ownPrefix },
    { url: EXT.ownName, valueString: ownName },
    partnerName && { url: EXT.partnerName, valueString: partnerName },
  ].filter(Boolean);
  return {
    extension: [{ url: EXT.assemblyOrder, valueCode: partnerName ? 'NL3' : 'NL1' }],
    use: 'official',
    text: [prefix, givens.join(' '), family].filter(Boolean).join(' '),
    family,
    _family: { extension: familyExt },
    given: givens,
    _given: givens.map(() => ({ extension: [{ url: EXT.qualifier, valueCode: qualifier }] })),
    ...(prefix ? { prefix: [prefix] } : {}),
  };
}
const usualName = (given) => ({ use: 'usual', given: [given] });

function address({ street, number, postalCode, city, use = 'home' }) {
  const addressType = use === 'home' ? ['HP', 'Primary Home'] : ['WP', 'Work Place'];
  return {
    extension: [{ url: EXT.addressType, valueCodeableConcept: cc('http://terminology.hl7.org/CodeSystem/v3-AddressUse', ...addressType) }],
    use,
    type: 'both',
    line: [`${street} ${number}`],
    _line: [{ extension: [{ url: EXT.streetName, valueString: street }, { url: EXT.houseNumber, valueString: number }] }],
    city,
    postalCode,
    country: 'Nederland',
    _country: { extension: [{ url: EXT.codeSpec, valueCodeableConcept: cc('urn:iso:std:iso:3166', 'NL', 'Nederland') }] },
  };
}
const phone = (value, use) => ({ system: 'phone', value, use });
const gender = (g) => ({
  gender: g,
  _gender: {
    extension: [
      {
        url: EXT.codeSpec,
        valueCodeableConcept: cc('http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender', g === 'female' ? 'F' : 'M', g === 'female' ? 'Female' : 'Male'),
      },
    ],
  },
});
const meta = (profile) => ({ profile: [profile] });

// ------------------------------------------------------------------ organisations

function organization(key, { name, ura, agb, type, address: addr, phone: tel }) {
  return add(
    key,
    {
      resourceType: 'Organization',
      meta: meta(PROFILE.organization),
      identifier: [
        { system: NS.ura, value: ura },
        { system: NS.agb, value: agb },
      ],
      active: true,
      ...(type ? { type: [cc(CS.orgType, ...type)] } : {}),
      name,
      telecom: [phone(tel, 'work')],
      address: [address({ ...addr, use: 'work' })],
    },
    { system: NS.ura, value: ura },
  );
}

const gpPractice = organization('org-huisartsenpraktijk', {
  name: 'Huisartsenpraktijk De Brink',
  ura: '90000011',
  agb: '01051234',
  type: ['Z3', 'Huisartspraktijk (zelfstandig of groepspraktijk)'],
  address: { street: 'Brink', number: '12', postalCode: '9411 AB', city: 'Beilen' },
  phone: '+31593555100',
});
// MESO/SO organisation: the organisation of the regiebehandelaar. nl-core's organization-type list has no
// code for a practice of elderly-care physicians, so no type is given.
const mesoOrg = organization('org-meso', {
  name: 'MESO Ouderenzorg Midden-Drenthe',
  ura: '90000022',
  agb: '98051235',
  address: { street: 'Stationsstraat', number: '4', postalCode: '9401 KX', city: 'Assen' },
  phone: '+31592555200',
});
const vvtOrg = organization('org-vvt', {
  name: 'Zorggroep Het Drentse Erf',
  ura: '90000033',
  agb: '75051236',
  type: ['X3', 'Verplegings- of verzorgingsinstelling'],
  address: { street: 'Esweg', number: '30', postalCode: '9431 PM', city: 'Westerbork' },
  phone: '+31593555300',
});
// The regional behandelnetwerk (mobiel geriatrisch team) that answers the MESO team's escalations, and the
// Coördinatiepunt ELV that places short-stay requests. As for the MESO organisation, nl-core's organization-type
// list has no fitting code, so no type is given.
const behandelnetwerkOrg = organization('org-behandelnetwerk', {
  name: 'Behandelnetwerk Ouderenzorg Drenthe',
  ura: '90000044',
  agb: '98051247',
  address: { street: 'Industrieweg', number: '18', postalCode: '9402 NP', city: 'Assen' },
  phone: '+31592555400',
});
const ctvOrg = organization('org-ctv', {
  name: 'Coördinatiepunt Eerstelijnsverblijf Drenthe',
  ura: '90000055',
  agb: '75051258',
  address: { street: 'Parkweg', number: '7', postalCode: '9401 HK', city: 'Assen' },
  phone: '+31592555500',
});

// ------------------------------------------------------------------ professionals

function professional(key, { name, gender: g, agb, uzi, big, organizationKey, organizationName, specialty }) {
  const identifier = [
    { system: NS.agb, value: agb },
    ...(uzi ? [{ system: NS.uzi, value: uzi }] : []),
    { system: NS.big, value: big },
  ];
  const practitionerKey = add(
    `${key}-practitioner`,
    {
      resourceType: 'Practitioner',
      meta: meta(PROFILE.practitioner),
      identifier,
      active: true,
      name: [officialName(name)],
      ...gender(g),
    },
    { system: NS.agb, value: agb },
  );
  const display = `${officialName(name).text}, ${specialty[1]}`;
  const roleKey = add(
    `${key}-role`,
    {
      resourceType: 'PractitionerRole',
      meta: meta(PROFILE.practitionerRole),
      identifier: [demoId(`${key}-role`)],
      active: true,
      practitioner: ref(practitionerKey, officialName(name).text),
      organization: ref(organizationKey, organizationName),
      specialty: [cc(CS.uziRol, ...specialty)],
    },
    demoId(`${key}-role`),
  );
  return { roleKey, display, identifier: { system: NS.agb, value: agb } };
}

const huisarts = professional('huisarts', {
  name: { given: ['Jeroen'], ownName: 'Wierenga' },
  gender: 'male',
  agb: '01012345',
  uzi: '900012345',
  big: '19012345601',
  organizationKey: gpPractice,
  organizationName: 'Huisartsenpraktijk De Brink',
  specialty: ['01.015', 'Huisarts'],
});
const so = professional('specialist-ouderengeneeskunde', {
  name: { given: ['Ingrid'], ownPrefix: 'van der', ownName: 'Veen' },
  gender: 'female',
  agb: '98012346',
  uzi: '900023456',
  big: '89023456701',
  organizationKey: mesoOrg,
  organizationName: 'MESO Ouderenzorg Midden-Drenthe',
  specialty: ['01.047', 'Specialist ouderengeneeskunde'],
});
const vs = professional('verpleegkundig-specialist', {
  name: { given: ['Sandra'], ownName: 'Postma' },
  gender: 'female',
  agb: '98012347',
  uzi: '900034567',
  big: '59034567830',
  organizationKey: mesoOrg,
  organizationName: 'MESO Ouderenzorg Midden-Drenthe',
  specialty: ['30.068', 'Verpl. spec. chronische zorg bij som. aandoeningen'],
});
const wijkverpleegkundige = professional('wijkverpleegkundige', {
  name: { given: ['Femke'], ownName: 'Dijkstra' },
  gender: 'female',
  agb: '75012348',
  big: '19045678930',
  organizationKey: vvtOrg,
  organizationName: 'Zorggroep Het Drentse Erf',
  specialty: ['30.000', 'Verpleegkundige'],
});
// The behandelnetwerk's own specialist ouderengeneeskunde (advice, diagnostics, co-treatment on escalation).
professional('behandelnetwerk-so', {
  name: { given: ['Marten'], ownName: 'Bosma' },
  gender: 'male',
  agb: '98012349',
  uzi: '900045678',
  big: '89045678901',
  organizationKey: behandelnetwerkOrg,
  organizationName: 'Behandelnetwerk Ouderenzorg Drenthe',
  specialty: ['01.047', 'Specialist ouderengeneeskunde'],
});

// ------------------------------------------------------------------ clients

const ROLE = {
  regiebehandelaar: [cc(CS.participationType, 'RESP', 'Responsible Party', 'Regiebehandelaar (hoofdbehandelaar)')],
  behandelaar: [cc(CS.participationType, 'ATND', 'Attender', 'Behandelaar (huisarts)')],
  casemanager: [cc(SCT, '768832004', 'casemanager', 'Casemanager')],
  uitvoerder: [cc(CS.participationType, 'PRF', 'Performer', 'Uitvoerder')],
};
const PROBLEM_TYPE_DIAGNOSIS = cc(SCT, '282291009', 'interpretatie van diagnose');
const PROBLEM_TYPE_FUNCTIONAL = cc(SCT, '248536006', 'bevinding van functionele prestatie en activiteit');

function client(n, c) {
  const k = (suffix) => `client-${n}-${suffix}`;
  const patientText = officialName(c.name).text;
  const patient = add(
    k('patient'),
    {
      resourceType: 'Patient',
      meta: meta(PROFILE.patient),
      identifier: [{ system: NS.bsn, value: c.bsn }],
      active: true,
      name: [officialName(c.name), usualName(c.callName)],
      telecom: [phone(c.phone, 'home')],
      ...gender(c.gender),
      birthDate: c.birthDate,
      deceasedBoolean: false,
      address: [address(c.address)],
      maritalStatus: cc('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', ...c.maritalStatus),
      generalPractitioner: [ref(huisarts.roleKey, huisarts.display)],
    },
    { system: NS.bsn, value: c.bsn },
  );
  const patientRef = () => ref(patient, patientText);

  const mantelzorger = add(
    k('mantelzorger'),
    {
      resourceType: 'RelatedPerson',
      meta: meta(PROFILE.contactPerson),
      identifier: [demoId(k('mantelzorger'))],
      active: true,
      patient: patientRef(),
      relationship: [
        cc('urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.23.1', '100001', 'Mantelzorger'),
        cc(CS.roleCode, ...c.carer.relationship),
      ],
      name: [officialName(c.carer.name)],
      telecom: [phone(c.carer.phone, 'mobile')],
      ...gender(c.carer.gender),
    },
    demoId(k('mantelzorger')),
  );

  const problems = c.problems.map((p, i) =>
    add(
      k(`problem-${i + 1}`),
      {
        resourceType: 'Condition',
        meta: meta(PROFILE.problem),
        identifier: [demoId(k(`problem-${i + 1}`))],
        clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
        // nl-core-Problem: the FHIR code and the mandatory SNOMED slice.
        verificationStatus: {
          coding: [
            coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
            coding(SCT, '410605003', 'aanwezigheid bevestigd'),
          ],
        },
        category: [p.type, cc(CS.problemDomain, ...p.domain)],
        code: cc(p.system, p.code, p.display),
        subject: patientRef(),
        onsetDateTime: p.onset,
      },
      demoId(k(`problem-${i + 1}`)),
    ),
  );

  const referral = referralPair(k('aanmelding'), {
    patientKey: patient,
    patientText,
    kind: ['aanmelding-meso-team', 'Aanmelding MESO-team'],
    authoredOn: c.referral.authoredOn,
    requester: c.referral.requester,
    owner: { key: mesoOrg, display: 'MESO Ouderenzorg Midden-Drenthe', identifier: { system: NS.ura, value: '90000022' } },
    reasonKeys: problems.slice(0, 1),
    note: c.referral.note,
    status: c.referral.status,
    lastModified: c.referral.lastModified,
  });

  const team = add(
    k('careteam'),
    {
      resourceType: 'CareTeam',
      meta: meta(PROFILE.careTeam),
      identifier: [demoId(k('careteam'))],
      status: c.trajectory.end ? 'inactive' : 'active',
      name: `MESO-team ${patientText}`,
      subject: patientRef(),
      period: { start: c.trajectory.start, ...(c.trajectory.end ? { end: c.trajectory.end } : {}) },
      participant: [
        { role: ROLE.regiebehandelaar, member: ref(so.roleKey, so.display) },
        { role: ROLE.behandelaar, member: ref(huisarts.roleKey, huisarts.display) },
        { role: ROLE.casemanager, member: ref(vs.roleKey, vs.display) },
        { role: ROLE.uitvoerder, member: ref(wijkverpleegkundige.roleKey, wijkverpleegkundige.display) },
        { member: patientRef() },
        { member: ref(mantelzorger, officialName(c.carer.name).text) },
      ],
      reasonReference: problems.map((p) => ref(p, undefined)),
      managingOrganization: [ref(mesoOrg, 'MESO Ouderenzorg Midden-Drenthe')],
    },
    demoId(k('careteam')),
  );

  const episode = add(
    k('zorgtraject'),
    {
      resourceType: 'EpisodeOfCare',
      meta: meta(PROFILE.zorgtraject),
      extension: [{ url: EXT.episodeName, valueString: 'Zorgtraject kwetsbare patiënten' }],
      identifier: [demoId(k('zorgtraject'))],
      status: c.trajectory.end ? 'finished' : 'active',
      type: [cc(CS.trajectory, 'zorgtraject-kwetsbare-patienten', 'Zorgtraject kwetsbare patiënten')],
      diagnosis: [{ condition: ref(problems[0], c.problems[0].display) }],
      patient: patientRef(),
      managingOrganization: ref(mesoOrg, 'MESO Ouderenzorg Midden-Drenthe'),
      period: { start: c.trajectory.start, ...(c.trajectory.end ? { end: c.trajectory.end } : {}) },
      referralRequest: [ref(referral.serviceRequest, 'Aanmelding MESO-team')],
      careManager: ref(so.roleKey, so.display),
      team: [ref(team, `MESO-team ${patientText}`)],
    },
    demoId(k('zorgtraject')),
  );

  const goals = c.goals.map((g, i) =>
    add(
      k(`goal-${i + 1}`),
      {
        resourceType: 'Goal',
        meta: meta(PROFILE.goal),
        identifier: [demoId(k(`goal-${i + 1}`))],
        lifecycleStatus: c.trajectory.end ? 'completed' : 'active',
        description: { text: g.text },
        subject: patientRef(),
        ...(g.target ? { target: [g.target] } : {}),
        addresses: [ref(problems[g.problem], c.problems[g.problem].display)],
      },
      demoId(k(`goal-${i + 1}`)),
    ),
  );

  const carePlan = add(
    k('zorgbehandelplan'),
    {
      resourceType: 'CarePlan',
      meta: meta(PROFILE.carePlan),
      extension: [
        ...(c.carePlan.nextEvaluation ? [{ url: EXT.nextEvaluation, valueDate: c.carePlan.nextEvaluation }] : []),
        { url: EXT.episodeOfCare, valueReference: ref(episode, 'Zorgtraject kwetsbare patiënten') },
      ],
      identifier: [demoId(k('zorgbehandelplan'))],
      status: c.trajectory.end ? 'completed' : 'active',
      intent: 'plan',
      category: [cc(SCT, '135411000146103', 'Multidisciplinary care regime', 'Zorgbehandelplan')],
      title: `Zorgbehandelplan ${patientText}`,
      description: c.carePlan.description,
      subject: patientRef(),
      period: { start: c.carePlan.start, ...(c.trajectory.end ? { end: c.trajectory.end } : {}) },
      created: c.carePlan.start,
      author: ref(so.roleKey, so.display),
      careTeam: [ref(team, `MESO-team ${patientText}`)],
      addresses: problems.map((p, i) => ref(p, c.problems[i].display)),
      goal: goals.map((g, i) => ref(g, c.goals[i].text)),
      note: [{ text: c.carePlan.note }],
    },
    demoId(k('zorgbehandelplan')),
  );

  if (c.help) {
    add(
      k('hulp-van-anderen'),
      {
        resourceType: 'CarePlan',
        meta: meta(PROFILE.helpFromOthers),
        identifier: [demoId(k('hulp-van-anderen'))],
        // Part of the zorgbehandelplan: R4 does not allow a CarePlan as activity.reference (see profiles/meso/README.md).
        partOf: [ref(carePlan, `Zorgbehandelplan ${patientText}`)],
        status: 'active',
        intent: 'plan',
        category: [cc(SCT, '243114000', 'ondersteuning')],
        subject: patientRef(),
        activity: [
          {
            detail: {
              code: cc(SCT, ...c.help.code),
              status: 'in-progress',
              scheduledString: c.help.schedule,
              performer: [c.help.byCarer ? ref(mantelzorger, officialName(c.carer.name).text) : ref(vvtOrg, 'Zorggroep Het Drentse Erf')],
              description: c.help.description,
            },
          },
        ],
      },
      demoId(k('hulp-van-anderen')),
    );
  }

  if (c.barthel) {
    add(k('barthel'), barthel(k('barthel'), patientRef(), c.barthel), demoId(k('barthel')));
  }

  if (c.advanceDirective) {
    add(
      k('wilsverklaring'),
      {
        resourceType: 'Consent',
        meta: meta(PROFILE.advanceDirective),
        extension: [{ url: EXT.comment, valueString: c.advanceDirective.comment }],
        identifier: [demoId(k('wilsverklaring'))],
        status: 'active',
        scope: cc('http://terminology.hl7.org/CodeSystem/consentscope', 'adr', 'Advanced Care Directive'),
        category: [cc('http://terminology.hl7.org/CodeSystem/consentcategorycodes', 'acd', 'Advance Directive')],
        patient: patientRef(),
        dateTime: c.advanceDirective.date,
        // ppc-1: an advance directive needs a policy or policyRule.
        policy: [{ uri: 'https://wetten.overheid.nl/' }],
        provision: {
          actor: [
            {
              role: cc(CS.roleCode, 'RESPRSN', 'responsible party'),
              reference: ref(mantelzorger, officialName(c.carer.name).text),
            },
          ],
          code: [cc('urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.14.1', ...c.advanceDirective.code)],
        },
      },
      demoId(k('wilsverklaring')),
    );
  }

  if (c.elv) {
    referralPair(k('elv-aanvraag'), {
      patientKey: patient,
      patientText,
      kind: ['elv-aanvraag', 'Aanvraag eerstelijnsverblijf (ELV)'],
      orderDetail: [cc(CS.mgz, 'elv-hoog-complex', 'ELV hoog complex')],
      authoredOn: c.elv.authoredOn,
      requester: { key: huisarts.roleKey, display: huisarts.display, identifier: huisarts.identifier },
      // The regional coordination point places ELV requests (and here could not).
      owner: { key: ctvOrg, display: 'Coördinatiepunt Eerstelijnsverblijf Drenthe', identifier: { system: NS.ura, value: '90000055' } },
      reasonKeys: problems.slice(0, 1),
      note: c.elv.note,
      status: 'rejected',
      statusReason: { coding: [coding(CS.rejection, ...c.elv.rejection)], text: c.elv.rejectionText },
      lastModified: c.elv.lastModified,
      basedOn: carePlan,
    });
  }
}

function referralPair(key, r) {
  const serviceRequest = add(
    `${key}-servicerequest`,
    {
      resourceType: 'ServiceRequest',
      meta: meta(PROFILE.referralRequest),
      identifier: [demoId(`${key}-servicerequest`)],
      status: r.status === 'rejected' ? 'revoked' : r.status === 'completed' ? 'completed' : 'active',
      intent: 'order',
      category: [cc(SCT, '3457005', 'verwijzen van patiënt', 'Verwijzing')],
      code: cc(CS.referralKind, ...r.kind),
      ...(r.orderDetail ? { orderDetail: r.orderDetail } : {}),
      subject: ref(r.patientKey, r.patientText),
      authoredOn: r.authoredOn,
      requester: ref(r.requester.key, r.requester.display),
      performer: [ref(r.owner.key, r.owner.display)],
      reasonReference: r.reasonKeys.map((p) => ref(p, undefined)),
      note: [{ text: r.note }],
    },
    demoId(`${key}-servicerequest`),
  );
  const task = add(
    `${key}-task`,
    {
      resourceType: 'Task',
      meta: meta(PROFILE.referralTask),
      identifier: [demoId(`${key}-task`)],
      ...(r.basedOn ? { basedOn: [ref(r.basedOn, 'Zorgbehandelplan')] } : {}),
      status: r.status,
      ...(r.statusReason ? { statusReason: r.statusReason } : {}),
      intent: 'order',
      code: cc(CS.referralKind, ...r.kind),
      focus: ref(serviceRequest, r.kind[1]),
      for: ref(r.patientKey, r.patientText),
      authoredOn: `${r.authoredOn}T09:30:00${dutchOffset(r.authoredOn)}`,
      lastModified: r.lastModified,
      requester: ref(r.requester.key, r.requester.display, { identifier: r.requester.identifier }),
      owner: ref(r.owner.key, r.owner.display, { identifier: r.owner.identifier }),
    },
    demoId(`${key}-task`),
  );
  return { serviceRequest, task };
}

// Europe/Amsterdam offset, close enough for the demo's dates (summer time April–October).
const dutchOffset = (date) => (Number(date.slice(5, 7)) >= 4 && Number(date.slice(5, 7)) <= 10 ? '+02:00' : '+01:00');

const BARTHEL_ITEMS = [
  ['4002004', 'BarthelIndex Darm', '2.16.840.1.113883.2.4.3.11.60.40.4.1.1'],
  ['4002003', 'BarthelIndex Blaas', '2.16.840.1.113883.2.4.3.11.60.40.4.1.2'],
  ['4002005', 'BarthelIndex UiterlijkeVerzorging', '2.16.840.1.113883.2.4.3.11.60.40.4.1.3'],
  ['4002006', 'BarthelIndex Toiletgebruik', '2.16.840.1.113883.2.4.3.11.60.40.4.1.4'],
  ['4002007', 'BarthelIndex Eten', '2.16.840.1.113883.2.4.3.11.60.40.4.1.5'],
  ['4002008', 'BarthelIndex Transfers', '2.16.840.1.113883.2.4.3.11.60.40.4.1.6'],
  ['4002009', 'BarthelIndex Mobiliteit', '2.16.840.1.113883.2.4.3.11.60.40.4.1.7'],
  ['4002010', 'BarthelIndex AanUitkleden', '2.16.840.1.113883.2.4.3.11.60.40.4.1.8'],
  ['4002011', 'BarthelIndex TrappenLopen', '2.16.840.1.113883.2.4.3.11.60.40.4.1.9'],
  ['4002012', 'BarthelIndex BadenDouchen', '2.16.840.1.113883.2.4.3.11.60.40.4.1.10'],
];
function barthel(key, subject, { date, answers }) {
  // The total score is the sum of the item scores, the digit that ends each answer code.
  const total = answers.reduce((sum, [code]) => sum + Number(code.slice(-1)), 0);
  return {
    resourceType: 'Observation',
    meta: meta(PROFILE.barthel),
    identifier: [demoId(key)],
    status: 'final',
    code: cc(SCT, '273302005', 'Barthel-index'),
    subject,
    effectiveDateTime: date,
    valueInteger: total,
    component: BARTHEL_ITEMS.map(([code, display, oid], i) => ({
      code: cc('urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.0.1', code, display),
      valueCodeableConcept: cc(`urn:oid:${oid}`, ...answers[i]),
    })),
  };
}

// ------------------------------------------------------------------ the scenario

client(1, {
  bsn: '999911120',
  name: { given: ['Geertruida', 'Johanna'], ownName: 'Hoekstra', partnerName: 'Bakker' },
  callName: 'Truus',
  gender: 'female',
  birthDate: '1940-05-14',
  maritalStatus: ['W', 'Widowed'],
  phone: '+31593555401',
  address: { street: 'Kerkstraat', number: '8', postalCode: '9411 KE', city: 'Beilen' },
  carer: {
    name: { given: ['Marian'], ownName: 'Bakker' },
    gender: 'female',
    relationship: ['DAUC', 'Daughter'],
    phone: '+31612345001',
  },
  problems: [
    { system: CS.icpc, code: 'P70', display: 'Dementie', domain: ['psychisch', 'Psychisch'], type: PROBLEM_TYPE_DIAGNOSIS, onset: '2024-09-10' },
    { system: CS.icf, code: 'd450', display: 'Lopen', domain: ['functioneel', 'Functioneel'], type: PROBLEM_TYPE_FUNCTIONAL, onset: '2025-11-02' },
    { system: CS.icpc, code: 'K77', display: 'Decompensatio cordis', domain: ['somatisch', 'Somatisch'], type: PROBLEM_TYPE_DIAGNOSIS, onset: '2021-03-18' },
  ],
  referral: {
    authoredOn: '2026-02-20',
    requester: { key: huisarts.roleKey, display: huisarts.display, identifier: huisarts.identifier },
    note: 'Toenemende geheugenproblemen en twee valpartijen in drie maanden; dochter raakt overbelast. Graag MESO-traject.',
    status: 'completed',
    lastModified: '2026-03-02T11:00:00+01:00',
  },
  trajectory: { start: '2026-03-02' },
  goals: [
    {
      text: 'Mevrouw blijft veilig thuis wonen en valt niet meer',
      problem: 1,
      target: {
        measure: cc(SCT, '129006008', 'lopen'),
        detailCodeableConcept: cc(SCT, '161043008', 'lichte beperking'),
        dueDate: '2026-12-14',
      },
    },
    { text: 'Dochter (mantelzorger) ervaart de zorg weer als vol te houden', problem: 0 },
  ],
  carePlan: {
    start: '2026-03-16',
    nextEvaluation: '2026-12-14',
    description:
      'Multidisciplinair zorgbehandelplan, vastgesteld in het MDO met mevrouw en haar dochter: valpreventie, ondersteuning bij geheugenproblemen en ontlasting van de mantelzorger.',
    note: 'Mevrouw wil zo lang mogelijk thuis blijven wonen. Bij verdere achteruitgang bespreken we tijdelijk verblijf (ELV).',
  },
  help: {
    code: ['386229000', 'ondersteuning voor verzorger'],
    schedule: '2 keer per week',
    byCarer: true,
    description: 'Dochter doet de boodschappen en zet de medicatie klaar',
  },
  barthel: {
    date: '2026-03-09',
    answers: [
      ['FECAL2', 'Continent'],
      ['URIN1', 'Ongelukje'],
      ['GROOM1', 'Onafhankelijk'],
      ['TOIL1', 'Hulp'],
      ['FEED2', 'Onafhankelijk'],
      ['TRANS2', 'Weinig hulp'],
      ['MOBIL2', 'Loopt met hulp'],
      ['DRESS1', 'Hulp'],
      ['CLIMB1', 'Hulp'],
      ['BATH0', 'Afhankelijk'],
    ],
  },
  advanceDirective: {
    date: '2026-04-06',
    code: ['NR', 'Niet reanimeren verklaring'],
    comment: 'Besproken in het gesprek over proactieve zorgplanning met mevrouw en haar dochter.',
  },
  elv: {
    authoredOn: '2026-10-05',
    note: 'Na val met kneuzing heup tijdelijk niet zelfstandig; thuis niet verantwoord. Verzoek ELV hoog complex voor twee weken.',
    rejection: ['geen-bed-beschikbaar', 'Geen bed beschikbaar'],
    rejectionText: 'Alle ELV-bedden in de regio bezet tot 12 oktober; extra wijkverpleging thuis ingezet.',
    lastModified: '2026-10-05T14:20:00+02:00',
  },
});

client(2, {
  bsn: '999901199',
  name: { given: ['Hendrik'], ownName: 'Jansen' },
  callName: 'Henk',
  gender: 'male',
  birthDate: '1943-11-02',
  maritalStatus: ['M', 'Married'],
  phone: '+31593555402',
  address: { street: 'Hoofdstraat', number: '41', postalCode: '9431 AD', city: 'Westerbork' },
  carer: {
    name: { given: ['Gerda'], ownName: 'Kuipers', partnerName: 'Jansen' },
    gender: 'female',
    relationship: ['WIFE', 'Wife'],
    phone: '+31612345002',
  },
  problems: [
    { system: CS.icpc, code: 'T90', display: 'Diabetes mellitus', domain: ['somatisch', 'Somatisch'], type: PROBLEM_TYPE_DIAGNOSIS, onset: '2012-06-01' },
    { system: CS.icpc, code: 'P76', display: 'Depressie', domain: ['psychisch', 'Psychisch'], type: PROBLEM_TYPE_DIAGNOSIS, onset: '2026-01-15' },
  ],
  referral: {
    authoredOn: '2026-05-18',
    requester: { key: wijkverpleegkundige.roleKey, display: wijkverpleegkundige.display, identifier: wijkverpleegkundige.identifier },
    note: 'Somber, trekt zich terug, wisselende bloedsuikers. Wijkverpleging ziet achteruitgang; graag beoordeling door het MESO-team.',
    status: 'accepted',
    lastModified: '2026-05-22T10:15:00+02:00',
  },
  trajectory: { start: '2026-06-01' },
  goals: [{ text: 'Meneer gaat weer wekelijks naar de biljartclub', problem: 1 }],
  carePlan: {
    start: '2026-06-15',
    nextEvaluation: '2026-12-07',
    description: 'Zorgbehandelplan: behandeling depressie met activering, en diabetesregulatie afgestemd met de praktijkondersteuner.',
    note: 'Meneer en zijn echtgenote willen geen opname; behandeling thuis.',
  },
  help: {
    code: ['60689008', 'thuiszorg voor patiënt'],
    schedule: 'Dagelijks',
    byCarer: false,
    description: 'Wijkverpleging controleert bloedsuiker en ondersteunt bij insuline',
  },
});

client(3, {
  bsn: '999900213',
  name: { given: ['Aaltje'], ownName: 'Mulder', partnerName: 'Smit' },
  callName: 'Alie',
  gender: 'female',
  birthDate: '1934-02-22',
  maritalStatus: ['W', 'Widowed'],
  phone: '+31593555403',
  address: { street: 'Molenweg', number: '3', postalCode: '9414 AK', city: 'Hooghalen' },
  carer: {
    name: { given: ['Jan'], ownName: 'Smit' },
    gender: 'male',
    relationship: ['SONC', 'Son'],
    phone: '+31612345003',
  },
  problems: [
    { system: CS.icpc, code: 'L95', display: 'Osteoporose', domain: ['somatisch', 'Somatisch'], type: PROBLEM_TYPE_DIAGNOSIS, onset: '2019-10-08' },
  ],
  referral: {
    authoredOn: '2025-04-28',
    requester: { key: huisarts.roleKey, display: huisarts.display, identifier: huisarts.identifier },
    note: 'Kwetsbare oudere, alleenwonend, recent wervelfractuur. Aanmelding voor MESO-traject.',
    status: 'completed',
    lastModified: '2025-05-12T09:00:00+02:00',
  },
  trajectory: { start: '2025-05-12', end: '2026-02-27' },
  goals: [{ text: 'Pijn onder controle, mevrouw kan zelfstandig de dag doorkomen', problem: 0 }],
  carePlan: {
    start: '2025-05-26',
    description: 'Zorgbehandelplan: pijnbehandeling, valpreventie en voorbereiding op verhuizing naar het verpleeghuis.',
    note: 'Traject afgesloten per 27 februari 2026: mevrouw is verhuisd naar het verpleeghuis.',
  },
  barthel: {
    date: '2026-01-20',
    answers: [
      ['FECAL2', 'Continent'],
      ['URIN1', 'Ongelukje'],
      ['GROOM0', 'Hulp'],
      ['TOIL1', 'Hulp'],
      ['FEED1', 'Hulp'],
      ['TRANS1', 'Veel hulp'],
      ['MOBIL1', 'Onafhankelijk met rolstoel'],
      ['DRESS1', 'Hulp'],
      ['CLIMB0', 'Afhankelijk'],
      ['BATH0', 'Afhankelijk'],
    ],
  },
});

// ------------------------------------------------------------------ output

const uuidOf = (key) => {
  const h = createHash('sha256').update(`meso-demo:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const idOf = (key) => `meso-demo-${key}`;

/** Deep copy with every `@key` reference rendered by `render`; drops undefined displays. */
function renderRefs(value, render) {
  if (Array.isArray(value)) return value.map((v) => renderRefs(v, render));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = k === 'reference' && typeof v === 'string' && v.startsWith('@') ? render(v.slice(1)) : renderRefs(v, render);
    }
    return out;
  }
  return value;
}

const bundle = {
  resourceType: 'Bundle',
  id: 'meso-demo-data',
  type: 'transaction',
  entry: records.map(({ key, resource, identifier }) => ({
    fullUrl: `urn:uuid:${uuidOf(key)}`,
    resource: renderRefs(resource, (target) => `urn:uuid:${uuidOf(target)}`),
    request: {
      method: 'POST',
      url: resource.resourceType,
      ifNoneExist: `identifier=${identifier.system}|${identifier.value}`,
    },
  })),
};
writeFileSync(join(HERE, 'demo-data.json'), JSON.stringify(bundle, null, 2) + '\n');

const fixtures = join(HERE, 'fixtures');
rmSync(fixtures, { recursive: true, force: true });
mkdirSync(fixtures);
for (const { key, resource } of records) {
  const rendered = renderRefs(resource, (target) => `${typeOfKey(target)}/${idOf(target)}`);
  const withId = { resourceType: rendered.resourceType, id: idOf(key), ...rendered };
  writeFileSync(join(fixtures, `${resource.resourceType}-${idOf(key)}.json`), JSON.stringify(withId, null, 2) + '\n');
}
console.log(`${records.length} resources; ${readdirSync(fixtures).length} fixtures`);
