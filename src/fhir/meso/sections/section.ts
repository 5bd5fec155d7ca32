import type { MesoCarePlanDocument } from '../../../meso-document/document';
import type { Graph, Planned } from '../graph';

/**
 * One part of the document, mapped both ways in one module so the two directions are read side by side.
 * `fromFhir` returns only the top-level fields this section owns; the sections together cover the document.
 */
export interface Section {
  readonly name: string;
  toFhir(doc: MesoCarePlanDocument): Planned[];
  fromFhir(graph: Graph): Partial<MesoCarePlanDocument>;
}
