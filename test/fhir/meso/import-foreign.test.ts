import type { CareTeam, EpisodeOfCare, Goal } from '@medplum/fhirtypes';
import { keepForeign } from '../../../src/fhir/meso/import-foreign';

const ref = (reference: string) => ({ reference });
const owned = new Set([
  'PractitionerRole/so',
  'PractitionerRole/left',
  'CareTeam/doc',
  'RelatedPerson/dochter',
]);

describe('keepForeign: what a new document version keeps of what others added', () => {
  it('keeps the participants the document does not own after its own, and drops its departed members', () => {
    const stored: CareTeam = {
      resourceType: 'CareTeam',
      identifier: [{ system: 'urn:other', value: 'x' }],
      participant: [
        { member: ref('PractitionerRole/so') },
        { member: ref('PractitionerRole/left') },
        { member: ref('Organization/vvt'), role: [{ coding: [{ code: 'REF' }] }] },
        { member: { identifier: { system: 'urn:ura', value: '1' } } },
      ],
    };
    const final: CareTeam = {
      resourceType: 'CareTeam',
      identifier: [{ system: 'urn:item', value: 'doc/CareTeam' }],
      participant: [{ member: ref('PractitionerRole/so'), role: [{ text: 'new role' }] }],
    };
    const kept = keepForeign(final, stored, owned) as CareTeam;
    expect(kept.participant).toEqual([
      { member: ref('PractitionerRole/so'), role: [{ text: 'new role' }] },
      { member: ref('Organization/vvt'), role: [{ coding: [{ code: 'REF' }] }] },
      { member: { identifier: { system: 'urn:ura', value: '1' } } },
    ]);
    expect(kept.identifier).toEqual([
      { system: 'urn:item', value: 'doc/CareTeam' },
      { system: 'urn:other', value: 'x' },
    ]);
  });

  it('keeps every stored referralRequest (the document plans none) and teams it does not own, once', () => {
    const stored = {
      resourceType: 'EpisodeOfCare',
      referralRequest: [ref('ServiceRequest/aanmelding'), ref('ServiceRequest/own-escalation')],
      team: [ref('CareTeam/doc'), ref('CareTeam/effects')],
    } as EpisodeOfCare;
    const final = { resourceType: 'EpisodeOfCare', team: [ref('CareTeam/doc')] } as EpisodeOfCare;
    const kept = keepForeign(
      final,
      stored,
      new Set([...owned, 'ServiceRequest/own-escalation']),
    ) as EpisodeOfCare;
    expect(kept.referralRequest).toEqual(stored.referralRequest);
    expect(kept.team).toEqual([ref('CareTeam/doc'), ref('CareTeam/effects')]);
  });

  it('changes nothing without a stored version, nor for a type others do not extend', () => {
    const final = { resourceType: 'CareTeam', participant: [] } as CareTeam;
    expect(keepForeign(final, undefined, owned)).toBe(final);
    const goal = { resourceType: 'Goal', identifier: [{ value: 'a' }] } as Goal;
    expect(keepForeign(goal, { ...goal, identifier: [{ value: 'b' }] }, owned)).toBe(goal);
  });
});
