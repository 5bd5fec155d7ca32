import fc from 'fast-check';
import type {
  Action,
  Address,
  AdvanceDirective,
  ElvEpisode,
  Escalation,
  Goal,
  MesoCarePlanDocument,
  Organisation,
  PersonName,
  Phone,
  Problem,
  Professional,
  Relative,
  TeamMember,
  Specialty,
  TreatmentLimit,
} from '../../../../src/meso-document/document';

/**
 * Valid MESO documents (they pass src/meso-document/validate.ts): 11-proef BSNs in the test range, local ids that
 * resolve, exactly one regiebehandelaar, periods that end after they start, and what the mapping relies on
 * beyond the schema: one organisation per URA with the same details wherever it is named, and one professional
 * (one name) per UZI/BIG/AGB number.
 */

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** An object without the keys whose value came out undefined (absent, as a sender leaves them out). */
const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);
const dateAt = (day: number) => new Date(BASE + day * DAY).toISOString().slice(0, 10);
const date = fc.integer({ min: 0, max: 1500 }).map(dateAt);
/** A start and, maybe, an end on or after it. */
const period = fc
  .tuple(fc.integer({ min: 0, max: 1000 }), maybe(fc.integer({ min: 0, max: 400 })))
  .map(([s, len]) => ({ start: dateAt(s), end: len === undefined ? undefined : dateAt(s + len) }));
const dateTime = fc
  .tuple(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 23 }), pick('+01:00', '+02:00'))
  .map(([d, h, tz]) => `${dateAt(d)}T${String(h).padStart(2, '0')}:15:00${tz}`);

const text = pick(
  'Zelfstandig thuis blijven wonen',
  'Valpreventie en looptraining',
  'Mantelzorger ontlasten',
  'Pijn onder controle houden',
  'Dagstructuur met dagbesteding, twee keer per week',
);

const phone: fc.Arbitrary<Phone> = fc
  .record({
    number: pick('+31593555100', '0612345678', '+31 6 1234 5678'),
    use: maybe(pick('thuis', 'mobiel', 'werk')),
  })
  .map(compact) as fc.Arbitrary<Phone>;

const name: fc.Arbitrary<PersonName> = fc
  .record({
    initials: maybe(pick('A.', 'J.H.', 'G.J.', 'Th.')),
    givenNames: maybe(
      fc.array(pick('Anna', 'Jan', 'Hendrik', 'Geertje', 'Roelof'), { minLength: 1, maxLength: 2 }),
    ),
    callName: maybe(pick('Annie', 'Henk', 'Roel')),
    ownPrefix: maybe(pick('van', 'van der', 'de', "in 't")),
    ownName: pick('Jansen', 'Bakker', 'Veen', 'Mulder', 'Zuidema', 'Wolters'),
    partner: maybe(
      fc.record({ partnerPrefix: maybe(pick('de', 'van den')), partnerName: pick('Smit', 'Hoekstra') }),
    ),
    usage: pick('NL1', 'NL2', 'NL3', 'NL4'),
  })
  .map(({ partner, usage, ...rest }) =>
    compact({
      ...rest,
      ...(partner ? compact(partner) : {}),
      nameUsage: (partner ? usage : 'NL1') as PersonName['nameUsage'],
    }),
  );

const address: fc.Arbitrary<Address> = fc
  .record({
    street: pick('Esweg', 'Hoofdstraat', 'Burgemeester Wijnbergstraat'),
    houseNumber: fc.integer({ min: 1, max: 99999 }).map(String),
    houseNumberLetter: maybe(pick('A', 'b')),
    houseNumberAddition: maybe(pick('2', 'bis', 'III')),
    postalCode: pick('9411 AB', '9431 PB', '7941KL'),
    city: pick('Beilen', 'Westerbork', 'Hoogeveen'),
    country: maybe(pick('NL')),
    addressType: maybe(pick('HP', 'PST', 'PHYS', 'TMP', 'WP', 'HV')),
  })
  .map(compact) as fc.Arbitrary<Address>;

const SPECIALTIES: Specialty[] = [
  { system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode', code: '01.015', display: 'Huisarts' },
  {
    system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode',
    code: '01.047',
    display: 'Specialist ouderengeneeskunde',
  },
  { system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode', code: '30.000', display: 'Verpleegkundige' },
];

const PROBLEM_CODES = [
  { system: 'http://hl7.org/fhir/sid/icpc-1-nl', code: 'K77', display: 'Decompensatio cordis' },
  { system: 'http://hl7.org/fhir/sid/icpc-1-nl', code: 'P70', display: 'Dementie' },
  { system: 'http://hl7.org/fhir/sid/icf-nl', code: 'd450', display: 'Lopen' },
  { system: 'http://snomed.info/sct', code: '105411000', display: 'Eenzaamheid' },
  { system: 'http://snomed.info/sct', code: '129839007', display: 'Valrisico' },
];

/** A BSN in the test range 9999xxxxx that passes the 11-proef. */
export const bsn = fc
  .integer({ min: 0, max: 9999 })
  .map((n) => `9999${String(n).padStart(4, '0')}`)
  .map((eight) => {
    const sum = [...eight].reduce((s, d, i) => s + Number(d) * (9 - i), 0);
    return `${eight}${sum % 11}`;
  })
  .filter((b) => b.length === 9);

/** Distinct 8-digit numbers: URAs of the organisations (the last one is the GP practice's). */
const organisations = fc
  .uniqueArray(fc.integer({ min: 10_000_000, max: 99_999_999 }), { minLength: 3, maxLength: 5 })
  .chain((uras) =>
    fc.tuple(
      ...uras.map((ura) =>
        fc
          .record({
            name: pick('MESO Ouderenzorg Midden-Drenthe', 'Zorggroep Drentse Erf', 'Ziekenhuis Bethesda'),
            ura: fc.constant(String(ura)),
            agb: maybe(fc.integer({ min: 10_000_000, max: 99_999_999 }).map(String)),
            phone: maybe(phone),
            address: maybe(address),
          })
          .map((o) => compact(o) as Organisation),
      ),
    ),
  );

function professionals(orgs: Organisation[]): fc.Arbitrary<Professional[]> {
  return fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 999_999 })).chain(([n, base]) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc
          .record({
            name,
            ids: fc.subarray(['uzi', 'big', 'agb'] as const, { minLength: 1 }),
            discipline: pick(...SPECIALTIES),
            organisation: maybe(pick(...orgs)),
            phone: maybe(phone),
            email: maybe(pick('zorg@example.org', 'team@meso.example')),
          })
          .map(({ ids, ...p }) => {
            const k = base * 10 + i;
            const identifiers = compact({
              uzi: ids.includes('uzi') ? String(900_000_000 + k) : undefined,
              big: ids.includes('big') ? String(19_000_000_000 + k) : undefined,
              agb: ids.includes('agb') ? String(10_000_000 + k) : undefined,
            });
            return compact({ ...p, identifiers, discipline: { ...p.discipline } }) as Professional;
          }),
      ),
    ),
  );
}

const OTHER_ROLES = ['casemanager', 'huisarts', 'wijkverpleegkundige', 'fysiotherapeut', 'overig'] as const;

function team(pool: Professional[]): fc.Arbitrary<TeamMember[]> {
  return fc
    .tuple(
      fc.shuffledSubarray(pool, { minLength: 1 }),
      fc.array(pick(...OTHER_ROLES), { minLength: 5, maxLength: 5 }),
    )
    .map(([chosen, roles]) =>
      chosen.map((professional, i) => ({
        id: `lid-${i + 1}`,
        professional,
        role: i === 0 ? 'regiebehandelaar' : roles[i],
      })),
    );
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);

function problems(): fc.Arbitrary<
  Partial<Record<'somatisch' | 'functioneel' | 'psychisch' | 'sociaal', Problem[]>>
> {
  const problem = (id: string) =>
    fc
      .record({
        id: fc.constant(id),
        code: pick(...PROBLEM_CODES).map((c) => ({ ...c })),
        status: pick('actueel', 'niet-actueel', 'opgelost'),
        onsetDate: maybe(date),
        note: maybe(text),
      })
      .map((p) => compact(p) as Problem);
  const domain = (d: string) =>
    maybe(fc.integer({ min: 0, max: 2 }).chain((n) => fc.tuple(...ids(`${d}`, n).map(problem))));
  return fc
    .record({
      somatisch: domain('som'),
      functioneel: domain('fun'),
      psychisch: domain('psy'),
      sociaal: domain('soc'),
    })
    .map(compact);
}

function goals(problemIds: string[]): fc.Arbitrary<{ now?: Goal[]; later?: Goal[] }> {
  const goal = (id: string) =>
    fc
      .record({
        id: fc.constant(id),
        kind: pick('wens', 'doel'),
        description: text,
        target: fc
          .record({ description: text, code: maybe(pick(...PROBLEM_CODES).map((c) => ({ ...c }))) })
          .map(compact),
        dueDate: maybe(date),
        status: pick('voorgesteld', 'actief', 'bereikt', 'niet-bereikt', 'vervallen'),
        problemIds: problemIds.length
          ? maybe(fc.subarray(problemIds, { minLength: 1 }))
          : fc.constant(undefined),
      })
      .map((g) => compact(g) as Goal);
  const horizon = (h: string) =>
    maybe(fc.integer({ min: 0, max: 2 }).chain((n) => fc.tuple(...ids(h, n).map(goal))));
  return fc.record({ now: horizon('nu'), later: horizon('later') }).map(compact);
}

function relatives(): fc.Arbitrary<Relative[]> {
  return fc.integer({ min: 0, max: 2 }).chain((n) =>
    fc.tuple(
      ...ids('naaste', n).map((id) =>
        fc
          .record({
            id: fc.constant(id),
            name,
            role: pick('eerste-contactpersoon', 'wettelijk-vertegenwoordiger', 'contactpersoon'),
            relationship: pick('dochter', 'zoon', 'partner', 'buur'),
            mantelzorger: fc.boolean(),
            phones: maybe(fc.array(phone, { minLength: 1, maxLength: 2 })),
            email: maybe(pick('naaste@example.org')),
          })
          .map((r) => compact(r) as Relative),
      ),
    ),
  );
}

function directives(relativeIds: string[]) {
  const directive = (id: string) =>
    fc
      .record({
        id: fc.constant(id),
        type: pick('NR', 'VOL', 'EU', 'LW'),
        date,
        representativeId: relativeIds.length ? maybe(pick(...relativeIds)) : fc.constant(undefined),
        comment: maybe(text),
      })
      .map((d) => compact(d) as AdvanceDirective);
  return fc.integer({ min: 0, max: 2 }).chain((n) =>
    fc.tuple(...ids('wv', n).map(directive)).chain((list) => {
      const limit = fc
        .record({
          treatment: pick('reanimatie', 'beademing', 'ziekenhuisopname', 'overig'),
          permitted: pick('JA', 'NEE', 'JA_MAAR'),
          verificationDate: date,
          agreedWith: maybe(pick('client', 'vertegenwoordiger', 'client-en-naaste')),
          directiveId: list.length ? maybe(pick(...list.map((d) => d.id))) : fc.constant(undefined),
        })
        .map(
          (l) =>
            compact({
              ...l,
              otherTreatment: l.treatment === 'overig' ? 'Sondevoeding' : undefined,
              restrictions: l.permitted === 'JA_MAAR' ? 'Alleen na overleg met de naaste' : undefined,
            }) as TreatmentLimit,
        );
      return fc.record({
        directives: fc.constant(list),
        treatmentLimits: fc.array(limit, { maxLength: 3 }),
      });
    }),
  );
}

function actions(memberIds: string[], goalIds: string[]): fc.Arbitrary<Action[]> {
  return fc.integer({ min: 0, max: 3 }).chain((n) =>
    fc.tuple(
      ...ids('actie', n).map((id) =>
        fc
          .record({
            id: fc.constant(id),
            description: text,
            responsible: pick(...memberIds),
            period,
            frequency: maybe(pick('wekelijks', '2x per week')),
            status: pick('gepland', 'lopend', 'afgerond', 'geannuleerd'),
            goalIds: goalIds.length ? maybe(fc.subarray(goalIds, { minLength: 1 })) : fc.constant(undefined),
          })
          .map(({ period: p, ...a }) => compact({ ...a, start: p.start, end: p.end }) as Action),
      ),
    ),
  );
}

function escalations(
  memberIds: string[],
  orgs: Organisation[],
  problemIds: string[],
): fc.Arbitrary<Escalation[]> {
  return fc.integer({ min: 0, max: 2 }).chain((n) =>
    fc.tuple(
      ...ids('esc', n).map((id) =>
        fc
          .record({
            id: fc.constant(id),
            kind: pick('escalatie-advies', 'escalatie-medebehandeling', 'elv-aanvraag'),
            service: pick('elv-laag-complex', 'elv-hoog-complex', 'so-consult'),
            requestedAt: dateTime,
            requester: pick(...memberIds),
            receiver: pick(...orgs),
            reason: text,
            problemIds: problemIds.length
              ? maybe(fc.subarray(problemIds, { minLength: 1 }))
              : fc.constant(undefined),
            status: pick('aangevraagd', 'geaccepteerd', 'afgewezen'),
          })
          .map(
            ({ service, ...e }) =>
              compact({
                ...e,
                requestedService: e.kind === 'elv-aanvraag' ? service : undefined,
                rejectionReason: e.status === 'afgewezen' ? 'geen-bed-beschikbaar' : undefined,
              }) as Escalation,
          ),
      ),
    ),
  );
}

function elvEpisodes(orgs: Organisation[], referralIds: string[]): fc.Arbitrary<ElvEpisode[]> {
  return fc.integer({ min: 0, max: 1 }).chain((n) =>
    fc.tuple(
      ...ids('elv', n).map((id) =>
        fc
          .record({
            id: fc.constant(id),
            service: pick('elv-laag-complex', 'elv-hoog-complex', 'elv-palliatief'),
            location: pick(...orgs),
            period,
            status: pick('gepland', 'actief', 'afgerond'),
            reason: maybe(text),
            referralId: referralIds.length ? maybe(pick(...referralIds)) : fc.constant(undefined),
            dischargeDestination: maybe(pick('thuis', 'verpleeghuis')),
          })
          .map(
            ({ period: p, ...e }) =>
              compact({
                ...e,
                start: p.start,
                end: e.status === 'afgerond' ? (p.end ?? p.start) : p.end,
              }) as ElvEpisode,
          ),
      ),
    ),
  );
}

const circumstances = fc
  .record({
    livingSituation: maybe(
      fc
        .record({
          houseType: pick('eengezinswoning', 'appartement', 'woonzorgcentrum'),
          livesAlone: fc.boolean(),
          description: maybe(text),
        })
        .map(compact),
    ),
    functionalStatus: maybe(
      fc.array(fc.record({ domain: pick('mobiliteit', 'zelfzorg', 'voeding'), finding: text }), {
        minLength: 1,
        maxLength: 2,
      }),
    ),
    mentalStatus: maybe(
      fc.array(fc.record({ domain: pick('cognitie', 'stemming'), finding: text }), {
        minLength: 1,
        maxLength: 2,
      }),
    ),
    barthel: maybe(fc.record({ score: fc.integer({ min: 0, max: 20 }), date })),
  })
  .map(compact);

/** A valid document; `id` fixes the document id (a DB-backed property gives each run its own). */
export function validDocument(id?: fc.Arbitrary<string>): fc.Arbitrary<MesoCarePlanDocument> {
  return organisations.chain((orgs) => {
    const gp = orgs[orgs.length - 1];
    const pool = orgs.slice(0, -1);
    return professionals(pool).chain((people) =>
      fc
        .record({
          members: team(people),
          problems: problems(),
          relatives: relatives(),
        })
        .chain(({ members, problems: probs, relatives: rels }) => {
          const memberIds = members.map((m) => m.id);
          const problemIds = Object.values(probs)
            .flat()
            .map((p) => p.id);
          return goals(problemIds).chain((gls) => {
            const goalIds = [...(gls.now ?? []), ...(gls.later ?? [])].map((g) => g.id);
            return escalations(memberIds, pool, problemIds).chain((escs) => {
              const referrals = escs.filter((e) => e.kind === 'elv-aanvraag').map((e) => e.id);
              return fc
                .record({
                  id: id ?? fc.integer({ min: 1, max: 9999 }).map((n) => `zbp-fuzz-${n}`),
                  version: fc.integer({ min: 1, max: 20 }),
                  date: dateTime,
                  author: pick(...people),
                  bsn,
                  clientName: name,
                  birthDate: date,
                  gender: pick('M', 'F', 'UN', 'UNK'),
                  address,
                  phones: maybe(fc.array(phone, { minLength: 1, maxLength: 2 })),
                  email: maybe(pick('client@example.org')),
                  gpPhone: maybe(phone),
                  teamName: maybe(pick('MESO-team Midden-Drenthe')),
                  trajectory: period,
                  status: pick('gepland', 'actief', 'onderbroken', 'afgerond', 'geannuleerd'),
                  managing: pick(...pool),
                  circumstances: maybe(circumstances),
                  directives: maybe(directives(rels.map((r) => r.id))),
                  actions: maybe(actions(memberIds, goalIds)),
                  evaluation: fc
                    .record({ lastEvaluationDate: maybe(date), nextEvaluationDate: date, note: maybe(text) })
                    .map(compact),
                  elv: maybe(elvEpisodes(pool, referrals)),
                })
                .map(
                  (d) =>
                    compact({
                      schemaVersion: '1.0.0' as const,
                      document: { id: d.id, version: d.version, date: d.date, author: d.author },
                      client: compact({
                        bsn: d.bsn,
                        name: d.clientName,
                        birthDate: d.birthDate,
                        gender: d.gender,
                        address: d.address,
                        phones: d.phones,
                        email: d.email,
                        gpPractice: compact({
                          name: gp.name,
                          agb: gp.agb ?? '01057788',
                          ura: gp.ura,
                          phone: d.gpPhone,
                        }),
                      }),
                      relatives: rels.length ? rels : undefined,
                      team: compact({ name: d.teamName, members }),
                      trajectory: compact({
                        start: d.trajectory.start,
                        end:
                          d.status === 'afgerond'
                            ? (d.trajectory.end ?? d.trajectory.start)
                            : d.trajectory.end,
                        status: d.status,
                        prestatie: 'zorgtraject-kwetsbare-patienten' as const,
                        managingOrganisation: d.managing,
                        regiebehandelaar: memberIds[0],
                      }),
                      circumstances: d.circumstances,
                      problems: Object.keys(probs).length ? probs : undefined,
                      goals: Object.keys(gls).length ? gls : undefined,
                      advanceDirectives: d.directives,
                      actions: d.actions,
                      evaluation: d.evaluation,
                      escalations: escs.length ? escs : undefined,
                      elvEpisodes: d.elv,
                    }) as MesoCarePlanDocument,
                );
            });
          });
        }),
    );
  });
}
