import type { Provenance, PractitionerRole } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../../meso-document/document';
import { canonical } from '../../../domain/canonical';
import { dateTimeToFhir } from '../datatypes/date-time';
import { professionalFromFhir } from '../datatypes/professional';
import { keyRef, MESO_DOCUMENT_SYSTEM } from '../graph';
import { KEY } from '../keys';
import type { Section } from './section';

/**
 * The version of the document an import came from, on the entity that names the document. R4 has nowhere
 * else to put it: `what.identifier` names the document (its id is the same across versions), and Identifier
 * and Reference have no version element; the display is for people, not to be parsed.
 */
export const DOCUMENT_VERSION_EXTENSION = canonical('StructureDefinition', 'meso-ext-document-version');

const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

function provenanceToFhir(doc: MesoCarePlanDocument): Provenance {
  const { id, version, author } = doc.document;
  const date = dateTimeToFhir(doc.document.date);
  return {
    resourceType: 'Provenance',
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/Provenance'] },
    // The importer adds every resource this version changed.
    target: [keyRef(KEY.carePlan)],
    occurredDateTime: date,
    // The importer sets the moment it stored the version; until then, the document's own date.
    recorded: date,
    agent: [
      {
        type: { coding: [{ system: PARTICIPANT_TYPE, code: 'author', display: 'Author' }] },
        who: keyRef(KEY.authorRole),
        ...(author.organisation
          ? { onBehalfOf: keyRef(KEY.organisation(author.organisation), author.organisation.name) }
          : {}),
      },
    ],
    entity: [
      {
        extension: [{ url: DOCUMENT_VERSION_EXTENSION, valuePositiveInt: version }],
        role: 'source',
        what: {
          identifier: { system: MESO_DOCUMENT_SYSTEM, value: id },
          display: `MESO-zorgbehandelplan ${id} versie ${version}`,
        },
      },
    ],
  };
}

/**
 * The document header ⇄ the Provenance of its import: who wrote which version when. Not an item of the
 * document (each import has its own Provenance) and not in the CarePlan: it points at what it changed.
 */
export const headerSection: Section = {
  name: 'header',
  toFhir: (doc) => [{ key: KEY.provenance, resource: provenanceToFhir(doc) }],
  fromFhir: (graph) => {
    const provenance = graph.items<Provenance>(KEY.provenance)[0];
    const source = provenance?.entity?.find((e) => e.what.identifier?.system === MESO_DOCUMENT_SYSTEM);
    const role = graph.resolve<PractitionerRole>(provenance?.agent?.[0]?.who);
    if (!provenance || !source || !role) return {};
    const version = source.extension?.find((e) => e.url === DOCUMENT_VERSION_EXTENSION)?.valuePositiveInt;
    return {
      document: {
        id: source.what.identifier?.value ?? '',
        version: version ?? 0,
        date: provenance.occurredDateTime ?? provenance.recorded,
        author: professionalFromFhir(graph, role),
      },
    };
  },
};
