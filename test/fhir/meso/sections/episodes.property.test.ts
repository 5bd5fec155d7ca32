import fc from 'fast-check';
import type {
  ElvEpisode,
  Escalation,
  MesoCarePlanDocument,
  MgzService,
  Organisation,
} from '../../../../src/meso-document/document';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { elvSection } from '../../../../src/fhir/meso/sections/elv';
import { escalationsSection } from '../../../../src/fhir/meso/sections/escalations';
import { trajectorySection } from '../../../../src/fhir/meso/sections/trajectory';
import { errorsOf, examples } from './episodes-support';
import { graphOf } from './people';

/**
 * Property: for generated trajectories, escalations and ELV episodes (every status, kind, service and reason,
 * optional parts present or not, several items, organisations named differently per part under one URA), the
 * three sections validate and read back to the normalised document.
 */

const base = examples[0][1];
const memberIds = base.team.members.map((m) => m.id);
const problemIds = Object.values(base.problems ?? {})
  .flat()
  .map((p) => p.id);

const day = fc
  .integer({ min: 0, max: 2000 })
  .map((n) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
/** Every RFC 3339 spelling the schema accepts, FHIR's and others (normalize.ts rule 4). */
const instant = fc
  .tuple(
    day,
    fc.constantFrom('T', 't', ' '),
    fc.integer({ min: 0, max: 23 }),
    fc.constantFrom('', '.5', '.123456'),
    fc.constantFrom('+01:00', '+0200', '-03', 'Z', 'z'),
  )
  .map(([d, sep, h, frac, tz]) => `${d}${sep}${String(h).padStart(2, '0')}:15:00${frac}${tz}`);
const text = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0);
const localId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);

/** One organisation per URA; only the name a part gives it varies (kept on the reference). */
const POOL: Organisation[] = [
  {
    name: 'MESO Ouderenzorg',
    ura: '90000022',
    agb: '98051235',
    phone: { number: '+31593555200', use: 'werk' },
  },
  { name: 'Zorggroep Het Drentse Erf', ura: '90000033', agb: '75051236' },
  {
    name: 'Coördinatiepunt Drenthe',
    ura: '90000066',
    address: {
      street: 'Brink',
      houseNumber: '12',
      houseNumberLetter: 'b',
      postalCode: '9401 HS',
      city: 'Assen',
    },
  },
];
const organisation = fc
  .tuple(fc.constantFrom(...POOL), fc.option(text, { nil: undefined }))
  .map(([o, name]) => (name ? { ...o, name } : o));

const SERVICES: MgzService[] = [
  'elv-laag-complex',
  'elv-hoog-complex',
  'elv-palliatief',
  'extra-wijkverpleging',
  'so-consult',
  'vs-consult',
  'paramedische-behandeling',
];
const REASONS = [
  'geen-bed-beschikbaar',
  'buiten-indicatiecriteria',
  'onvoldoende-informatie',
  'capaciteit-team',
  'client-weigert',
  'andere-zorgvorm-passender',
  'overig',
] as const;

const escalation = (id: string) =>
  fc
    .record({
      kind: fc.constantFrom(
        'escalatie-advies',
        'escalatie-aanvullende-diagnostiek',
        'escalatie-medebehandeling',
        'elv-aanvraag',
      ),
      requestedService: fc.option(fc.constantFrom(...SERVICES), { nil: undefined }),
      requestedAt: instant,
      requester: fc.constantFrom(...memberIds),
      receiver: organisation,
      reason: text,
      problemIds: fc.option(fc.subarray(problemIds), { nil: undefined }),
      status: fc.constantFrom('aangevraagd', 'ontvangen', 'geaccepteerd', 'afgewezen', 'afgerond'),
      rejectionReason: fc.option(fc.constantFrom(...REASONS), { nil: undefined }),
    })
    .map((e): Escalation => {
      // The schema: an ELV request names its service, a rejection its reason.
      const requestedService =
        e.kind === 'elv-aanvraag' ? (e.requestedService ?? 'elv-hoog-complex') : e.requestedService;
      const rejectionReason = e.status === 'afgewezen' ? (e.rejectionReason ?? 'overig') : e.rejectionReason;
      return JSON.parse(JSON.stringify({ id, ...e, requestedService, rejectionReason })) as Escalation;
    });

const elvEpisode = (id: string, requests: string[]) =>
  fc
    .record({
      service: fc.constantFrom('elv-laag-complex', 'elv-hoog-complex', 'elv-palliatief'),
      location: organisation,
      start: day,
      end: fc.option(day, { nil: undefined }),
      status: fc.constantFrom('gepland', 'actief', 'afgerond', 'geannuleerd'),
      reason: fc.option(text, { nil: undefined }),
      referralId: requests.length
        ? fc.option(fc.constantFrom(...requests), { nil: undefined })
        : fc.constant(undefined),
      dischargeDestination: fc.option(
        fc.constantFrom('thuis', 'verpleeghuis', 'ziekenhuis', 'overleden', 'overig'),
        {
          nil: undefined,
        },
      ),
    })
    .map((e): ElvEpisode => {
      const end = e.status === 'afgerond' ? (e.end ?? e.start) : e.end;
      return JSON.parse(
        JSON.stringify({ id, ...e, end: end && end < e.start ? e.start : end }),
      ) as ElvEpisode;
    });

const documents = fc
  .record({
    status: fc.constantFrom('gepland', 'actief', 'onderbroken', 'afgerond', 'geannuleerd'),
    start: day,
    end: fc.option(day, { nil: undefined }),
    managingOrganisation: organisation,
    escalationIds: fc.uniqueArray(localId, { maxLength: 4 }),
    elvIds: fc.uniqueArray(localId, { maxLength: 3 }),
  })
  .chain((t) =>
    fc.tuple(fc.constant(t), fc.tuple(...t.escalationIds.map(escalation))).chain(([t, escalations]) =>
      fc.tuple(
        fc.constant(t),
        fc.constant(escalations),
        fc.tuple(
          ...t.elvIds.map((id) =>
            elvEpisode(
              id,
              escalations.filter((e) => e.kind === 'elv-aanvraag').map((e) => e.id),
            ),
          ),
        ),
      ),
    ),
  )
  .map(([t, escalations, elvEpisodes]): MesoCarePlanDocument => {
    const end = t.status === 'afgerond' ? (t.end ?? t.start) : t.end;
    const trajectory = JSON.parse(
      JSON.stringify({
        ...base.trajectory,
        start: t.start,
        end: end && end < t.start ? t.start : end,
        status: t.status,
        managingOrganisation: t.managingOrganisation,
      }),
    ) as MesoCarePlanDocument['trajectory'];
    return { ...base, trajectory, escalations, elvEpisodes };
  });

it('trajectory, escalations and ELV episodes validate and round-trip', async () => {
  await fc.assert(
    fc.asyncProperty(documents, async (doc) => {
      for (const section of [trajectorySection, escalationsSection, elvSection])
        for (const p of section.toFhir(doc))
          expect([p.key, await errorsOf(p.resource, doc)]).toEqual([p.key, []]);
      const graph = graphOf(doc);
      const back = {
        ...trajectorySection.fromFhir(graph),
        ...escalationsSection.fromFhir(graph),
        ...elvSection.fromFhir(graph),
      };
      const n = normalizeDocument(doc);
      const expected = JSON.parse(
        JSON.stringify({ trajectory: n.trajectory, escalations: n.escalations, elvEpisodes: n.elvEpisodes }),
      ) as object;
      expect(back).toEqual(expected);
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
  );
});
