import fs from 'node:fs';
import path from 'node:path';
import type { CarePlan, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { validateMesoDocument } from '../../../../src/meso-document/validate';
import {
  keyRef,
  MESO_DOCUMENT_SYSTEM,
  plannedBundle,
  plannedGraph,
  type Graph,
  type Planned,
} from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { documentToFhir } from '../../../../src/fhir/meso/mapping';
import type { Section } from '../../../../src/fhir/meso/sections/section';
import { ResourceValidator } from '../../../../src/fhir/validation/validator';

/**
 * What the tests of the people sections (organisations, client, relatives, team, header) share: the example
 * documents, a varied document with the hard cases, and the planned graph. Until the care-plan section is
 * mapped, a minimal CarePlan with the contract's links (subject, careTeam, author, document identifier) stands
 * in for it, so these tests depend on no other section.
 */

export const EXAMPLE_NAMES = ['eenvoudig', 'escalatie-wilsverklaring', 'elv-episode'] as const;

export function example(name: string): MesoCarePlanDocument {
  const file = path.resolve(__dirname, '../../../../examples/meso', `${name}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as MesoCarePlanDocument;
}

/** A valid document, else the test fails with the validator's messages (a test document must be valid). */
export function valid(doc: MesoCarePlanDocument): MesoCarePlanDocument {
  const result = validateMesoDocument(doc);
  if (!result.valid) throw new Error(JSON.stringify(result, null, 2));
  return doc;
}

function standInCarePlan(doc: MesoCarePlanDocument): Planned<CarePlan> {
  return {
    key: KEY.carePlan,
    resource: {
      resourceType: 'CarePlan',
      identifier: [{ system: MESO_DOCUMENT_SYSTEM, value: doc.document.id }],
      status: 'active',
      intent: 'plan',
      subject: keyRef(KEY.patient),
      careTeam: [keyRef(KEY.careTeam)],
      author: keyRef(KEY.memberRole(doc.trajectory.regiebehandelaar)),
    },
  };
}

export function planned(doc: MesoCarePlanDocument): Planned[] {
  const all = documentToFhir(doc);
  return all.some((p) => p.key === KEY.carePlan) ? all : [...all, standInCarePlan(doc)];
}

export const graphOf = (doc: MesoCarePlanDocument): Graph => plannedGraph(planned(doc));

/** The planned resources one section produces, as they come out of documentToFhir. */
export function plannedBy(section: Section, doc: MesoCarePlanDocument): Planned[] {
  const keys = new Set(section.toFhir(doc).map((p) => p.key));
  return planned(doc).filter((p) => keys.has(p.key));
}

let validator: Promise<ResourceValidator> | undefined;
/** The validator's error and fatal issues for one planned resource, references resolved in its document. */
export async function validationErrors(resource: Resource, doc: MesoCarePlanDocument): Promise<string[]> {
  const v = await (validator ??= ResourceValidator.load());
  const issues: OperationOutcomeIssue[] = v.validate(resource, { bundle: plannedBundle(planned(doc)) });
  return issues
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join()}: ${i.diagnostics}`);
}

/**
 * The hard cases in one document: gender UN, a client e-mail and no phones, an address with huisletter and
 * toevoeging, no team name, the author not in the team but sharing a UZI with a member who lists fewer
 * identifiers and another name, a member without organisation, the GP practice named first by a member
 * (without phone or AGB), relatives with every kind of role, no optional contact details, several phones.
 */
export function variedDocument(): MesoCarePlanDocument {
  const doc = example('eenvoudig');
  const [so, vs, ha, wv] = doc.team.members;
  doc.document.author = {
    ...vs.professional,
    identifiers: { uzi: vs.professional.identifiers.uzi, big: '39012346701' },
    name: { ...vs.professional.name, partnerName: 'Visser', nameUsage: 'NL4' },
    phone: { number: '+31593555211' },
  };
  doc.client = {
    ...doc.client,
    gender: 'UN',
    email: 'h.wolters@voorbeeld.example',
    address: { ...doc.client.address, houseNumber: '12', houseNumberLetter: 'b', houseNumberAddition: '3' },
  };
  delete doc.client.phones;
  delete doc.team.name;
  ha.professional.organisation = { name: 'Praktijk Kerkplein', ura: doc.client.gpPractice.ura };
  delete wv.professional.organisation;
  doc.team.members = [
    so,
    { ...vs, professional: { ...vs.professional, identifiers: { uzi: vs.professional.identifiers.uzi } } },
    ha,
    { ...wv, role: 'overig' },
    {
      id: 'poh-jansen',
      role: 'praktijkondersteuner',
      professional: { ...wv.professional, identifiers: { big: '49012346701' } },
    },
  ];
  doc.relatives = [
    {
      id: 'echtgenote',
      name: { ownName: 'Wolters', ownPrefix: 'de', partnerName: 'Bakker', nameUsage: 'NL2' },
      role: 'gemachtigde',
      relationship: 'echtgenote',
      mantelzorger: false,
      phones: [{ number: '+31593555402' }, { number: '+31612345609', use: 'mobiel' }],
      email: 'm.wolters@voorbeeld.example',
    },
    {
      id: 'buurman',
      name: { ownName: 'Bos', nameUsage: 'NL1' },
      role: 'overig',
      relationship: 'buur',
      mantelzorger: true,
    },
    {
      id: 'kleinzoon',
      name: { initials: 'K.', ownName: 'Wolters', nameUsage: 'NL1' },
      role: 'mentor',
      relationship: 'kleinkind',
      mantelzorger: false,
    },
  ];
  return valid(doc);
}
