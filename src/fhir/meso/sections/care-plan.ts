import type { CarePlan, Extension } from '@medplum/fhirtypes';
import { canonical } from '../../../domain/canonical';
import type { MesoCarePlanDocument } from '../../../meso-document/document';
import { cc, SCT } from '../datatypes/coding';
import { itemIdentifier, keyRef, MESO_DOCUMENT_SYSTEM, type Graph, type Planned } from '../graph';
import { KEY } from '../keys';
import { actionRefs } from './actions';
import { goalRefs } from './goals';
import { problemRefs } from './problems';
import type { Section } from './section';

/**
 * The zorgbehandelplan itself (meso-careplan): the hub every other part hangs from, and the evaluation. Its
 * identifier is the document id only, so a new document version does not by itself change the CarePlan.
 * The narrative (CarePlan.text) is built elsewhere (fhir/narrative).
 */

const PROFILE = canonical('StructureDefinition', 'meso-careplan');
export const EXT_NEXT_EVALUATION = canonical('StructureDefinition', 'meso-ext-next-evaluation-date');
export const EXT_LAST_EVALUATION = canonical('StructureDefinition', 'meso-ext-last-evaluation-date');
const EXT_EPISODE = 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare';

type TrajectoryStatus = MesoCarePlanDocument['trajectory']['status'];
const STATUS: Record<TrajectoryStatus, CarePlan['status']> = {
  actief: 'active',
  gepland: 'draft',
  onderbroken: 'on-hold',
  afgerond: 'completed',
  geannuleerd: 'revoked',
};

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  const { trajectory, evaluation } = doc;
  const extension: Extension[] = [
    { url: EXT_NEXT_EVALUATION, valueDate: evaluation.nextEvaluationDate },
    ...(evaluation.lastEvaluationDate
      ? [{ url: EXT_LAST_EVALUATION, valueDate: evaluation.lastEvaluationDate }]
      : []),
    { url: EXT_EPISODE, valueReference: keyRef(KEY.trajectory, 'Zorgtraject kwetsbare patiënten') },
  ];
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    meta: { profile: [PROFILE] },
    extension,
    identifier: [
      { system: MESO_DOCUMENT_SYSTEM, value: doc.document.id },
      itemIdentifier(doc.document.id, KEY.carePlan),
    ],
    status: STATUS[trajectory.status],
    intent: 'plan',
    category: [cc(SCT, '135411000146103', 'Multidisciplinary care regime', 'Zorgbehandelplan')],
    title: 'Zorgbehandelplan',
    subject: keyRef(KEY.patient),
    period: { start: trajectory.start, ...(trajectory.end ? { end: trajectory.end } : {}) },
    author: keyRef(KEY.memberRole(trajectory.regiebehandelaar)),
    careTeam: [keyRef(KEY.careTeam)],
    addresses: problemRefs(doc),
    goal: goalRefs(doc),
    activity: actionRefs(doc).map((reference) => ({ reference })),
    // The evaluation's note is the only note the document gives the plan as a whole.
    ...(evaluation.note ? { note: [{ text: evaluation.note }] } : {}),
  };
  return [{ key: KEY.carePlan, resource: dropEmptyLists(plan) }];
}

function dropEmptyLists(plan: CarePlan): CarePlan {
  const out = { ...plan } as Record<string, unknown>;
  for (const k of ['addresses', 'goal', 'activity'])
    if (Array.isArray(out[k]) && !(out[k] as unknown[]).length) delete out[k];
  return out as unknown as CarePlan;
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const ext = (url: string) => graph.root.extension?.find((e) => e.url === url)?.valueDate;
  const next = ext(EXT_NEXT_EVALUATION);
  if (!next) throw new Error('a mapped CarePlan has its next evaluation date');
  const last = ext(EXT_LAST_EVALUATION);
  const note = graph.root.note?.[0]?.text;
  return {
    evaluation: {
      ...(last ? { lastEvaluationDate: last } : {}),
      nextEvaluationDate: next,
      ...(note ? { note } : {}),
    },
  };
}

export const carePlanSection: Section = { name: 'care-plan', toFhir, fromFhir };
