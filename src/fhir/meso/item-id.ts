import type { Reference } from '@medplum/fhirtypes';
import { localIdOf, type Graph } from './graph';

/** The local id of the document item a reference points to (a goal's problems, an action's member, …). */
export function referencedId(graph: Graph, ref: Reference | undefined, prefix: string): string | undefined {
  const target = graph.resolve(ref);
  return target ? localIdOf(graph, target, prefix) : undefined;
}
