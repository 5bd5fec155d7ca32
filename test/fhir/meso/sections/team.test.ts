import type { CareTeam, CodeSystem, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { IdentifierSystem } from '../../../../src/domain/identifier-systems';
import { itemIdentifier, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { TEAM_ROLE_SYSTEM, teamSection } from '../../../../src/fhir/meso/sections/team';
import type { MesoCarePlanDocument, TeamRole } from '../../../../src/meso-document/document';
import { EXAMPLE_NAMES, example, graphOf, plannedBy, validationErrors, variedDocument } from './people';

const documents: Array<[string, MesoCarePlanDocument]> = [
  ...EXAMPLE_NAMES.map((n) => [n, example(n)] as [string, MesoCarePlanDocument]),
  ['varied', variedDocument()],
];

const codeSystem = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../profiles/meso/CodeSystem-team-role.json'), 'utf8'),
) as CodeSystem;
const TEAM_ROLES = (codeSystem.concept ?? []).map((c) => c.code as TeamRole);

const careTeamOf = (doc: MesoCarePlanDocument) =>
  plannedBy(teamSection, doc).find((p) => p.key === KEY.careTeam)?.resource as CareTeam;

describe('team section', () => {
  it.each(documents)(
    '%s: Practitioners, PractitionerRoles and the CareTeam validate',
    async (_name, doc) => {
      for (const p of plannedBy(teamSection, doc))
        expect([p.key, await validationErrors(p.resource, doc)]).toEqual([p.key, []]);
    },
    120_000,
  );

  it('the team-role code system has every team role of the document schema', () => {
    const schema = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../../../profiles/meso-careplan.schema.json'), 'utf8'),
    ) as { $defs: { teamRole: { enum: string[] } } };
    expect(TEAM_ROLES).toEqual(schema.$defs.teamRole.enum);
    expect(codeSystem.url).toBe(TEAM_ROLE_SYSTEM);
  });

  it.each(documents)('%s: one shared Practitioner per person, by UZI, BIG or AGB', (_name, doc) => {
    const practitioners = plannedBy(teamSection, doc).filter(
      (p) => p.resource.resourceType === 'Practitioner',
    );
    const keys = [doc.document.author, ...doc.team.members.map((m) => m.professional)].map(KEY.practitioner);
    expect(practitioners.map((p) => p.key)).toEqual([...new Set(keys)]);
    for (const p of practitioners) {
      expect(p.shared).toBe(true);
      const systems = (p.resource as Practitioner).identifier?.map((i) => i.system);
      expect(
        systems?.every((s) =>
          [IdentifierSystem.uziPerson, IdentifierSystem.big, IdentifierSystem.agb].includes(s as never),
        ),
      ).toBe(true);
    }
  });

  it.each(documents)(
    '%s: a PractitionerRole per member and for the author, owned by the document',
    (_name, doc) => {
      const roles = plannedBy(teamSection, doc).filter((p) => p.resource.resourceType === 'PractitionerRole');
      expect(roles.map((p) => p.key)).toEqual([
        KEY.authorRole,
        ...doc.team.members.map((m) => KEY.memberRole(m.id)),
      ]);
      for (const p of roles) {
        const role = p.resource as PractitionerRole;
        expect(p.shared).toBeFalsy();
        expect(role.identifier).toEqual([itemIdentifier(doc.document.id, p.key)]);
      }
      const [author] = roles;
      expect(author.supportingInfo).toBe(true);
      const authorRole = author.resource as PractitionerRole;
      expect(authorRole.practitioner?.reference).toBe(placeholder(KEY.practitioner(doc.document.author)));
      expect(authorRole.specialty?.[0].coding).toEqual([doc.document.author.discipline]);
    },
  );

  it('eenvoudig: the CareTeam codes the regiebehandelaar RESP, the casemanager 768832004, the huisarts ATND', () => {
    const doc = example('eenvoudig');
    const team = careTeamOf(doc);
    expect(team.subject?.reference).toBe(placeholder(KEY.patient));
    expect(team.managingOrganization?.[0].reference).toBe(
      placeholder(KEY.organisation(doc.trajectory.managingOrganisation)),
    );
    expect(team.participant?.map((p) => p.role?.map((r) => r.coding?.[0].code))).toEqual([
      ['RESP', 'regiebehandelaar'],
      ['768832004', 'casemanager'],
      ['ATND', 'huisarts'],
      ['PRF', 'wijkverpleegkundige'],
      undefined,
    ]);
    expect(team.participant?.map((p) => p.member?.reference)).toEqual([
      ...doc.team.members.map((m) => placeholder(KEY.memberRole(m.id))),
      placeholder(KEY.relative('dochter-wolters')),
    ]);
  });

  it.each(documents)('%s: round trip of the team', (_name, doc) => {
    expect(teamSection.fromFhir(graphOf(doc))).toEqual({ team: normalizeDocument(doc).team });
  });

  it("varied: a member with the author's UZI reads back with the author's name and all identifiers", () => {
    const doc = variedDocument();
    const member = teamSection.fromFhir(graphOf(doc)).team?.members[1];
    expect(member?.professional.name).toEqual(doc.document.author.name);
    expect(member?.professional.identifiers).toEqual(doc.document.author.identifiers);
    expect(member?.professional.discipline).toEqual(doc.team.members[1].professional.discipline);
  });

  it('property: every team role comes back, the zib role of each validates', async () => {
    const base = example('eenvoudig');
    const docs = fc
      .sample(
        fc.array(fc.constantFrom(...TEAM_ROLES.filter((r) => r !== 'regiebehandelaar')), {
          minLength: 1,
          maxLength: 6,
        }),
        { numRuns: 30, seed: 10 },
      )
      .map((roles): MesoCarePlanDocument => ({
        ...base,
        team: {
          members: [
            base.team.members[0],
            ...roles.map((role, i) => ({ ...base.team.members[1 + (i % 3)], id: `lid-${i}`, role })),
          ],
        },
      }));
    for (const doc of docs) {
      expect(teamSection.fromFhir(graphOf(doc))).toEqual({ team: normalizeDocument(doc).team });
      expect(await validationErrors(careTeamOf(doc), doc)).toEqual([]);
    }
  }, 120_000);
});
