import { localKey } from '../../kernel/reference';
import type { FhirRequest } from './fhir-request';
import { collectReferences } from './reference-rewrite';

// R4 http.html#trules: DELETE, then POST, then PUT/PATCH, then GET/HEAD.
const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

interface Entry {
  index: number;
  request: FhirRequest;
}

/** The `Type/id` an entry writes (its id decided up front), or undefined for reads and unresolved ones. */
function writes({ request }: Entry): string | undefined {
  const id = request.kind === 'create' ? (request.matchedId ?? request.assignedId) : request.id;
  if (!id || !request.resourceType || (request.kind !== 'create' && request.kind !== 'update'))
    return undefined;
  return `${request.resourceType}/${id}`;
}

/**
 * The order in which a transaction's entries are processed, once their references are resolved to `Type/id`:
 * R4's method order, and within one method an entry after the entries whose resources it references (else in
 * Bundle order; a reference cycle is broken at its first entry). A rule that reads what a resource points at (a referral Task's
 * ServiceRequest, src/fhir/referral/referral-integrity.ts) then finds it, whatever order the client sent.
 */
export function processingOrder<T extends Entry>(entries: readonly T[]): T[] {
  const byMethod = [...entries].sort(
    (a, b) => ORDER[a.request.method] - ORDER[b.request.method] || a.index - b.index,
  );
  const writer = new Map<string, T>();
  for (const e of byMethod) {
    const key = writes(e);
    if (key) writer.set(key, e);
  }
  const seen = new Set<T>();
  const ordered: T[] = [];
  const visit = (e: T) => {
    seen.add(e);
    for (const ref of e.request.body ? collectReferences(e.request.body) : []) {
      const dep = writer.get(localKey(ref) ?? '');
      if (dep && !seen.has(dep) && ORDER[dep.request.method] === ORDER[e.request.method]) visit(dep);
    }
    ordered.push(e);
  };
  for (const e of byMethod) if (!seen.has(e)) visit(e);
  return ordered;
}
