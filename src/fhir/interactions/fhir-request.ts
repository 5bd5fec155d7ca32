import type { Resource } from '@medplum/fhirtypes';
import { FhirError, issue, notFound } from '../../kernel/outcome';
import { isSupportedType } from '../../kernel/resource-types';

/** One FHIR interaction, independent of HTTP, so that REST requests and Bundle entries share one executor. */
export interface FhirRequest {
  method: string;
  kind: InteractionKind;
  resourceType?: string;
  id?: string;
  versionId?: string;
  operation?: string;
  /** Query pairs in order, repeated keys allowed. */
  query: Array<[string, string]>;
  body?: Resource;
  /** PATCH: the JSON Patch document (application/json-patch+json), as parsed JSON. */
  patch?: unknown;
  ifMatch?: string;
  ifNoneExist?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  preferReturn?: 'minimal' | 'representation' | 'OperationOutcome';
  lenient: boolean;
  /** Transactions: the id decided up front for a create, or the existing match of its ifNoneExist. */
  assignedId?: string;
  matchedId?: string;
  /**
   * Transactions: ifNoneExist matched nothing when ids were decided, and no other entry writes this resource type,
   * so nothing in the transaction can match it since: the create need not search again.
   */
  noneExists?: boolean;
}

export type InteractionKind =
  | 'capabilities'
  | 'batch-or-transaction'
  | 'history-system'
  | 'history-type'
  | 'history-instance'
  | 'search-type'
  | 'search-system'
  | 'create'
  | 'conditional-update'
  | 'conditional-delete'
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'operation';

export interface FhirResponse {
  status: number;
  body?: Resource;
  location?: string;
  etag?: string;
  lastModified?: string;
}

type Route = {
  kind: InteractionKind;
  resourceType?: string;
  id?: string;
  versionId?: string;
  operation?: string;
};

const methodNotAllowed = (method: string, path: string) =>
  new FhirError(405, [issue('not-supported', `${method} is not allowed on ${path || '/'}`)]);

/** Maps a method and a path relative to the FHIR base (e.g. "Patient/1/_history/2") to an interaction. */
export function routeFor(method: string, path: string): Route {
  const segments = path.split('/').filter((s) => s !== '');
  const [first, second, third, fourth] = segments;
  if (segments.length > 4) throw notFound(`No FHIR endpoint at ${path}`);
  if (segments.length === 0) return rootRoute(method, path);
  if (first === 'metadata' && segments.length === 1)
    return only(method, path, ['GET'], { kind: 'capabilities' });
  if (first === '_history' && segments.length === 1)
    return only(method, path, ['GET'], { kind: 'history-system' });
  if (first === '_search' && segments.length === 1)
    return only(method, path, ['POST'], { kind: 'search-system' });
  if (first.startsWith('$') && segments.length === 1) return { kind: 'operation', operation: first.slice(1) };
  if (!isSupportedType(first)) throw notFound(`Resource type "${first}" is not supported by this server`);
  const resourceType = first;
  if (segments.length === 1) return typeRoute(method, path, resourceType);
  if (second === '_search' && segments.length === 2)
    return only(method, path, ['POST'], { kind: 'search-type', resourceType });
  if (second === '_history' && segments.length === 2)
    return only(method, path, ['GET'], { kind: 'history-type', resourceType });
  if (second.startsWith('$') && segments.length === 2)
    return { kind: 'operation', resourceType, operation: second.slice(1) };
  const id = second;
  if (segments.length === 2) return instanceRoute(method, path, resourceType, id);
  if (third === '_history' && segments.length === 3)
    return only(method, path, ['GET'], { kind: 'history-instance', resourceType, id });
  if (third === '_history' && segments.length === 4)
    return only(method, path, ['GET'], { kind: 'vread', resourceType, id, versionId: fourth });
  if (third.startsWith('$') && segments.length === 3)
    return { kind: 'operation', resourceType, id, operation: third.slice(1) };
  throw notFound(`No FHIR endpoint at ${path}`);
}

function only(method: string, path: string, allowed: string[], route: Route): Route {
  if (!allowed.includes(method)) throw methodNotAllowed(method, path);
  return route;
}

function rootRoute(method: string, path: string): Route {
  if (method === 'POST') return { kind: 'batch-or-transaction' };
  if (method === 'GET') return { kind: 'search-system' };
  throw methodNotAllowed(method, path);
}

function typeRoute(method: string, path: string, resourceType: string): Route {
  switch (method) {
    case 'GET':
      return { kind: 'search-type', resourceType };
    case 'POST':
      return { kind: 'create', resourceType };
    case 'PUT':
      return { kind: 'conditional-update', resourceType };
    case 'DELETE':
      return { kind: 'conditional-delete', resourceType };
    default:
      throw methodNotAllowed(method, path);
  }
}

function instanceRoute(method: string, path: string, resourceType: string, id: string): Route {
  switch (method) {
    case 'GET':
      return { kind: 'read', resourceType, id };
    case 'PUT':
      return { kind: 'update', resourceType, id };
    case 'PATCH':
      return { kind: 'patch', resourceType, id };
    case 'DELETE':
      return { kind: 'delete', resourceType, id };
    default:
      throw methodNotAllowed(method, path);
  }
}
