import type { FhirRepository } from '../repository';
import type { RequestContext } from '../../kernel/request-context';
import { notFound } from '../../kernel/outcome';
import type { MesoCarePlanDocument } from '../../meso-document/document';
import { keyOf } from '../../kernel/reference';
import { SECTION_MAPPING, type DocumentMapping } from './import';
import { loadStoredGraph } from './stored-graph';

export interface ExportResult {
  document: MesoCarePlanDocument;
  /** CarePlan/<id> */
  carePlan: string;
  /** Every resource the document was rebuilt from, as Type/id (for the audit trail). */
  entities: string[];
}

/**
 * GET /meso/v1/careplans/{id}: the document rebuilt from its stored graph. Unknown → 404; a CarePlan the caller
 * may not read → 403 (the access policy, through the repository's read). The rest of the graph is the same
 * patient's plan and the directory it names.
 */
export async function exportDocument(
  repo: FhirRepository,
  ctx: RequestContext,
  documentId: string,
  mapping: DocumentMapping = SECTION_MAPPING,
): Promise<ExportResult> {
  const graph = await loadStoredGraph(repo, documentId);
  if (!graph)
    throw notFound(
      `No MESO care plan with document id "${documentId}" is known; POST it to /meso/v1/careplans first`,
    );
  await repo.read(ctx, 'CarePlan', graph.root.id as string);
  const entities = [...graph.resources, ...(graph.provenance ? [graph.provenance] : [])].map(keyOf);
  return { document: mapping.fromFhir(graph), carePlan: keyOf(graph.root), entities };
}
