import type { Reference, Resource } from '@medplum/fhirtypes';
import { itemKeyOf, MESO_DOCUMENT_SYSTEM, type Graph } from './graph';

/** The document id, read from the CarePlan's document identifier. */
export function documentIdOf(graph: Graph): string {
  const id = graph.root.identifier?.find((i) => i.system === MESO_DOCUMENT_SYSTEM)?.value;
  if (!id) throw new Error('a mapped CarePlan carries its document id');
  return id;
}

/** The local id in a document-owned resource's item key `<prefix><id>` (e.g. `Condition/` + `dementie`). */
export function localIdOf(graph: Graph, resource: Resource | undefined, prefix: string): string | undefined {
  const key = resource ? itemKeyOf(resource, documentIdOf(graph)) : undefined;
  return key?.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

/** The local id of the item a reference points to. */
export function referencedId(graph: Graph, ref: Reference | undefined, prefix: string): string | undefined {
  return localIdOf(graph, graph.resolve(ref), prefix);
}
