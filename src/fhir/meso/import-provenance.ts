import { createHash } from 'node:crypto';
import type {
  Identifier,
  Provenance,
  ProvenanceAgent,
  ProvenanceEntity,
  Reference,
} from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../meso-document/document';
import type { Caller } from '../../kernel/caller';
import { canonical } from '../../domain/canonical';
import { IdentifierSystem } from '../../domain/identifier-systems';
import { MESO_DOCUMENT_SYSTEM, placeholder, type Planned } from './graph';
import { KEY } from './keys';
import { nameDisplay } from './datatypes/name';
import { canonicalJson } from './import-changes';
import { normalizeDocument } from './normalize';

/**
 * Step (g) of an import: the Provenance of one imported version. Besides what the header section plans, it
 * carries three entities the import itself reads back (so it does not depend on how a section words things):
 * - `MESO_DOCUMENT_SYSTEM|<document id>`: which document (how the latest import is found);
 * - `MESO_DOCUMENT_VERSION_SYSTEM|<document id>/<version>`: which version;
 * - `MESO_DOCUMENT_HASH_SYSTEM|sha256:<hex>`: the SHA-256 of the normalised document as canonical JSON (keys
 *   sorted), so that the same version posted with other content is recognised (409) instead of ignored.
 */
export const MESO_DOCUMENT_VERSION_SYSTEM = canonical('NamingSystem', 'meso-careplan-document-version');
export const MESO_DOCUMENT_HASH_SYSTEM = canonical('NamingSystem', 'meso-careplan-document-hash');

const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

export function documentHash(doc: MesoCarePlanDocument): string {
  return `sha256:${createHash('sha256')
    .update(canonicalJson(normalizeDocument(doc)))
    .digest('hex')}`;
}

/** What a stored Provenance says about the import it records. */
export function importedVersion(p: Provenance | undefined): { version?: number; hash?: string } {
  const value = (system: string) =>
    p?.entity?.find((e) => e.what?.identifier?.system === system)?.what?.identifier?.value;
  const version = Number(value(MESO_DOCUMENT_VERSION_SYSTEM)?.split('/').pop());
  return { version: Number.isInteger(version) ? version : undefined, hash: value(MESO_DOCUMENT_HASH_SYSTEM) };
}

/**
 * The Provenance to write: the header section's (if it planned one) or a minimal one naming the author, plus
 * the document entities above and, for the access policy and the record, the organisation that delivered it.
 * `target` and `recorded` are set by the import.
 */
export function importProvenance(
  doc: MesoCarePlanDocument,
  planned: ReadonlyMap<string, Planned>,
  caller: Caller | undefined,
): Provenance {
  const base = (planned.get(KEY.provenance)?.resource as Provenance | undefined) ?? minimal(doc, planned);
  const entity = withEntities(base.entity ?? [], documentEntities(doc));
  return { ...base, entity, agent: withDeliverer(base.agent ?? [], caller) };
}

function minimal(doc: MesoCarePlanDocument, planned: ReadonlyMap<string, Planned>): Provenance {
  const author = doc.document.author;
  const key = KEY.practitioner(author);
  const who: ProvenanceAgent['who'] = planned.has(key)
    ? { reference: placeholder(key), display: nameDisplay(author.name) }
    : { identifier: professionalIdentifier(author.identifiers), display: nameDisplay(author.name) };
  const org = author.organisation;
  const onBehalfOf: ProvenanceAgent['onBehalfOf'] = org
    ? planned.has(KEY.organisation(org))
      ? { reference: placeholder(KEY.organisation(org)), display: org.name }
      : { identifier: { system: IdentifierSystem.ura, value: org.ura }, display: org.name }
    : undefined;
  return {
    resourceType: 'Provenance',
    target: [],
    recorded: doc.document.date,
    occurredDateTime: doc.document.date,
    agent: [{ type: participant('author', 'Author'), who, ...(onBehalfOf ? { onBehalfOf } : {}) }],
  };
}

function professionalIdentifier(ids: { uzi?: string; big?: string; agb?: string }): Identifier {
  if (ids.uzi) return { system: IdentifierSystem.uziPerson, value: ids.uzi };
  if (ids.big) return { system: IdentifierSystem.big, value: ids.big };
  return { system: IdentifierSystem.agb, value: ids.agb };
}

const participant = (code: string, display: string) => ({
  coding: [{ system: PARTICIPANT_TYPE, code, display }],
});

function documentEntities(doc: MesoCarePlanDocument): ProvenanceEntity[] {
  const { id, version } = doc.document;
  const source = (system: string, value: string, display: string): ProvenanceEntity => ({
    role: 'source',
    what: { identifier: { system, value }, display },
  });
  return [
    source(MESO_DOCUMENT_SYSTEM, id, `MESO-zorgbehandelplan ${id}`),
    source(MESO_DOCUMENT_VERSION_SYSTEM, `${id}/${version}`, `versie ${version}`),
    source(MESO_DOCUMENT_HASH_SYSTEM, documentHash(doc), 'SHA-256 van het genormaliseerde document'),
  ];
}

/** The planned entities, then ours, each identifier once. */
function withEntities(entities: ProvenanceEntity[], ours: ProvenanceEntity[]): ProvenanceEntity[] {
  const key = (e: ProvenanceEntity) => `${e.what?.identifier?.system}|${e.what?.identifier?.value}`;
  const present = new Set(entities.filter((e) => e.what?.identifier).map(key));
  return [...entities, ...ours.filter((e) => !present.has(key(e)))];
}

/** The delivering organisation (the caller's, by URA) as `enterer`, unless an agent names it already. */
function withDeliverer(agents: ProvenanceAgent[], caller: Caller | undefined): ProvenanceAgent[] {
  const ura = caller?.organization.ura;
  if (!ura) return agents;
  const names = (r?: Reference) =>
    r?.identifier?.system === IdentifierSystem.ura && r.identifier.value === ura;
  if (agents.some((a) => names(a.who) || names(a.onBehalfOf))) return agents;
  const who = { identifier: { system: IdentifierSystem.ura, value: ura }, display: caller.organization.name };
  return [...agents, { type: participant('enterer', 'Enterer'), who }];
}
