import type {
  Consent,
  ConsentProvisionActor,
  Extension,
  Patient,
  Reference,
  RelatedPerson,
} from '@medplum/fhirtypes';
import type { AdvanceDirective, MesoCarePlanDocument, TreatmentLimit } from '../../../meso-document/document';
import { cc, codingIn, reverseLookup, SCT } from '../datatypes/coding';
import { itemIdentifier, keyRef, localIdOf, type Graph, type Planned } from '../graph';
import { referencedId } from '../item-id';
import { KEY } from '../keys';
import type { Section } from './section';

/**
 * Advance directives ⇄ nl-core-AdvanceDirective Consents; treatment limits ⇄ nl-core-TreatmentDirective2
 * Consents (zib BehandelAanwijzing). Neither is referenced by another resource (a limit points to its
 * directive, not the other way), so the CarePlan lists them all in supportingInfo.
 *
 * Treatment limit: JA is provision.type permit, NEE deny, JA_MAAR no type and the restrictions in nl-core's
 * modifierExtension specificationOther (zib-TreatmentDirective2-2: never both). Restrictions on a JA or NEE go
 * in ext-Comment. "Agreed with" is provision.actor:agreementParty: the Patient for the client, and for a
 * representative or relative a RelatedPerson reference by display only, because the document does not say
 * which relative it was.
 */

const NL = 'http://nictiz.nl/fhir/StructureDefinition/';
const PROFILE = { directive: `${NL}nl-core-AdvanceDirective`, limit: `${NL}nl-core-TreatmentDirective2` };
const EXT_COMMENT = `${NL}ext-Comment`;
const EXT_SPECIFICATION_OTHER = `${NL}ext-TreatmentDirective2.SpecificationOther`;
const DIRECTIVE_TYPE_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.14.1';
const ROLE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';
/** ppc-1 needs a policy; as nl-core's examples, Dutch law. */
const POLICY = [{ uri: 'https://wetten.overheid.nl/' }];

/** zib WilsverklaringType displays. */
const DIRECTIVE_TYPE: Record<AdvanceDirective['type'], string> = {
  NR: 'Niet reanimeren verklaring',
  VOL: 'Volmacht',
  VERB: 'Behandelverbod',
  VERBVL: 'Behandelverbod met aanvulling Voltooid Leven',
  MON: 'Mondelinge afspraak',
  EU: 'Euthanasieverzoek',
  EUD: 'Euthanasieverzoek met aanvulling Dementie',
  LW: 'Levenswensverklaring',
  DO: 'Verklaring donorschap',
  ZB: 'Zelfbindingsverklaring',
};

/** zib Behandeling (nl-core provision.code). */
const TREATMENT: Record<Exclude<TreatmentLimit['treatment'], 'overig'>, [string, string]> = {
  reanimatie: ['89666000', 'cardiopulmonale resuscitatie'],
  beademing: ['40617009', 'kunstmatige beademing'],
  'ic-opname': ['305351004', 'opname op intensive care'],
  ziekenhuisopname: ['32485007', 'opname in ziekenhuis'],
  bloedtransfusie: ['116762002', 'toediening van bloedproduct'],
  antibiotica: ['281789004', 'antibiotische therapie'],
};

const AGREED_DISPLAY = { vertegenwoordiger: 'Vertegenwoordiger', naaste: 'Naaste' } as const;

const DIRECTIVE_PREFIX = KEY.directive('');
const LIMIT_PREFIX = 'Consent/treatment-limit/';

function consent(key: string, doc: MesoCarePlanDocument, profile: string, rest: Partial<Consent>): Planned {
  const resource = {
    resourceType: 'Consent',
    meta: { profile: [profile] },
    ...(rest.extension ? { extension: rest.extension } : {}),
    ...(rest.modifierExtension ? { modifierExtension: rest.modifierExtension } : {}),
    identifier: [itemIdentifier(doc.document.id, key)],
    status: 'active',
    ...rest,
    patient: keyRef(KEY.patient),
    policy: POLICY,
  } as Consent;
  return { key, resource, supportingInfo: true };
}

const comment = (text: string | undefined): Extension[] =>
  text ? [{ url: EXT_COMMENT, valueString: text }] : [];

function directiveToFhir(doc: MesoCarePlanDocument, d: AdvanceDirective): Planned {
  const representative: ConsentProvisionActor[] = d.representativeId
    ? [
        {
          role: cc(ROLE_SYSTEM, 'RESPRSN', 'responsible party'),
          reference: keyRef<RelatedPerson>(KEY.relative(d.representativeId)),
        },
      ]
    : [];
  return consent(KEY.directive(d.id), doc, PROFILE.directive, {
    ...(d.comment ? { extension: comment(d.comment) } : {}),
    scope: cc('http://terminology.hl7.org/CodeSystem/consentscope', 'adr', 'Advanced Care Directive'),
    category: [cc('http://terminology.hl7.org/CodeSystem/consentcategorycodes', 'acd', 'Advance Directive')],
    dateTime: d.date,
    provision: {
      ...(representative.length ? { actor: representative } : {}),
      code: [cc(DIRECTIVE_TYPE_SYSTEM, d.type, DIRECTIVE_TYPE[d.type])],
    },
  });
}

function agreementParties(t: TreatmentLimit): ConsentProvisionActor[] {
  const role = cc(ROLE_SYSTEM, 'CONSENTER', 'consenter');
  const patient = { role, reference: keyRef<Patient>(KEY.patient) };
  const related = (display: string) => ({
    role,
    reference: { type: 'RelatedPerson', display } as Reference<RelatedPerson>,
  });
  switch (t.agreedWith) {
    case 'client':
      return [patient];
    case 'vertegenwoordiger':
      return [related(AGREED_DISPLAY.vertegenwoordiger)];
    case 'client-en-naaste':
      return [patient, related(AGREED_DISPLAY.naaste)];
    default:
      return [];
  }
}

function limitToFhir(doc: MesoCarePlanDocument, t: TreatmentLimit, occurrence: number): Planned {
  const code =
    t.treatment === 'overig'
      ? cc(NULL_FLAVOR, 'OTH', 'Other', t.otherTreatment)
      : cc(SCT, ...TREATMENT[t.treatment], t.otherTreatment);
  const withRestrictions = t.permitted === 'JA_MAAR';
  const actors = agreementParties(t);
  return consent(KEY.treatmentLimit(t, occurrence), doc, PROFILE.limit, {
    ...(!withRestrictions && t.restrictions ? { extension: comment(t.restrictions) } : {}),
    ...(withRestrictions
      ? { modifierExtension: [{ url: EXT_SPECIFICATION_OTHER, valueString: t.restrictions ?? '' }] }
      : {}),
    scope: cc('http://terminology.hl7.org/CodeSystem/consentscope', 'treatment', 'Treatment'),
    category: [cc(SCT, '129125009', 'verrichting met expliciete context')],
    dateTime: t.verificationDate,
    ...(t.directiveId ? { sourceReference: keyRef(KEY.directive(t.directiveId)) } : {}),
    provision: {
      ...(withRestrictions ? {} : { type: t.permitted === 'JA' ? 'permit' : 'deny' }),
      ...(actors.length ? { actor: actors } : {}),
      code: [code],
    },
  });
}

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  const seen = new Map<string, number>();
  const limits = (doc.advanceDirectives?.treatmentLimits ?? []).map((t) => {
    const first = KEY.treatmentLimit(t);
    const n = (seen.get(first) ?? 0) + 1;
    seen.set(first, n);
    return limitToFhir(doc, t, n);
  });
  return [...(doc.advanceDirectives?.directives ?? []).map((d) => directiveToFhir(doc, d)), ...limits];
}

function directiveFromFhir(graph: Graph, c: Consent): AdvanceDirective | undefined {
  const id = localIdOf(graph, c, DIRECTIVE_PREFIX);
  const type = codingIn(c.provision?.code, DIRECTIVE_TYPE_SYSTEM)?.code as
    AdvanceDirective['type'] | undefined;
  if (!id || !type || !c.dateTime) return undefined;
  const rep = c.provision?.actor?.find((a) => codingIn(a.role, ROLE_SYSTEM)?.code === 'RESPRSN');
  const representativeId = rep ? referencedId(graph, rep.reference, KEY.relative('')) : undefined;
  const text = c.extension?.find((e) => e.url === EXT_COMMENT)?.valueString;
  return {
    id,
    type,
    date: c.dateTime,
    ...(representativeId ? { representativeId } : {}),
    ...(text ? { comment: text } : {}),
  };
}

function agreedWithFromFhir(c: Consent): TreatmentLimit['agreedWith'] {
  const types = (c.provision?.actor ?? []).map(
    (a) => a.reference.type ?? a.reference.reference?.split('/')[0],
  );
  const client = types.includes('Patient');
  const related = types.includes('RelatedPerson');
  if (client && related) return 'client-en-naaste';
  if (related) return 'vertegenwoordiger';
  return client ? 'client' : undefined;
}

function limitFromFhir(graph: Graph, c: Consent): TreatmentLimit | undefined {
  const code = c.provision?.code?.[0];
  const treatment =
    codingIn(code, NULL_FLAVOR)?.code === 'OTH'
      ? 'overig'
      : reverseLookup(
          Object.fromEntries(Object.entries(TREATMENT).map(([k, [v]]) => [k, v])) as Record<
            keyof typeof TREATMENT,
            string
          >,
          codingIn(code, SCT)?.code,
        );
  if (!treatment || !c.dateTime) return undefined;
  const specification = c.modifierExtension?.find((e) => e.url === EXT_SPECIFICATION_OTHER)?.valueString;
  const restrictions = specification ?? c.extension?.find((e) => e.url === EXT_COMMENT)?.valueString;
  const permitted = specification !== undefined ? 'JA_MAAR' : c.provision?.type === 'permit' ? 'JA' : 'NEE';
  const agreedWith = agreedWithFromFhir(c);
  const directiveId = referencedId(graph, c.sourceReference, DIRECTIVE_PREFIX);
  return {
    treatment,
    ...(code?.text ? { otherTreatment: code.text } : {}),
    permitted,
    ...(restrictions ? { restrictions } : {}),
    verificationDate: c.dateTime,
    ...(agreedWith ? { agreedWith } : {}),
    ...(directiveId ? { directiveId } : {}),
  };
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const directives = graph.items<Consent>(DIRECTIVE_PREFIX).flatMap((c) => directiveFromFhir(graph, c) ?? []);
  const treatmentLimits = graph.items<Consent>(LIMIT_PREFIX).flatMap((c) => limitFromFhir(graph, c) ?? []);
  if (!directives.length && !treatmentLimits.length) return {};
  return {
    advanceDirectives: {
      ...(directives.length ? { directives } : {}),
      ...(treatmentLimits.length ? { treatmentLimits } : {}),
    },
  };
}

export const directivesSection: Section = { name: 'directives', toFhir, fromFhir };
