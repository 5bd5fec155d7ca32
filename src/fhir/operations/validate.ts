import type { Parameters, Resource } from '@medplum/fhirtypes';
import type { OperationHandler } from '../interactions/execute';
import type { ConformanceCheck } from '../repository';
import { badRequest, operationOutcome } from '../../kernel/outcome';

const MODES = ['create', 'update', 'delete', 'profile'];

/**
 * $validate (R4 resource-operation-validate) at type and instance level. It always answers 200 with an
 * OperationOutcome: the outcome of validation is the result, not an HTTP error.
 */
export function validateOperation(conformance: ConformanceCheck): OperationHandler {
  return {
    name: 'validate',
    levels: ['type', 'instance'],
    interaction: 'r',
    async execute(ctx, request, executor) {
      const { resource: supplied, profile, mode } = readParameters(request.body, request.query);
      if (mode && !MODES.includes(mode))
        throw badRequest(`mode must be one of ${MODES.join(', ')}, got "${mode}"`, 'mode');
      let resource = supplied;
      if (!resource && request.id) {
        resource = (await executor.repository.read(ctx, request.resourceType as string, request.id)).resource;
      }
      if (mode === 'delete') return { status: 200, body: operationOutcome([]) };
      if (!resource)
        throw badRequest(
          '$validate needs a resource, in the body or as the "resource" parameter',
          'resource',
        );
      if (request.resourceType && resource.resourceType !== request.resourceType) {
        throw badRequest(
          `$validate on ${request.resourceType} got a ${resource.resourceType}`,
          'resourceType',
        );
      }
      const prepared = profile ? resource : conformance.applyDefaultProfile(resource);
      return { status: 200, body: operationOutcome(conformance.check(prepared, { profile })) };
    },
  };
}

function readParameters(body: Resource | undefined, query: Array<[string, string]>) {
  const fromQuery = (name: string) => query.find(([k]) => k === name)?.[1];
  if (body?.resourceType !== 'Parameters') {
    return { resource: body, profile: fromQuery('profile'), mode: fromQuery('mode') };
  }
  const raw = (body as Parameters).parameter;
  if (raw !== undefined && !Array.isArray(raw))
    throw badRequest('Parameters.parameter must be an array', 'Parameters.parameter');
  const params = raw ?? [];
  // Not validated yet: a parameter that is not an object is skipped, not dereferenced.
  const find = (name: string) => params.find((p) => typeof p === 'object' && p !== null && p.name === name);
  const profile = find('profile')?.valueUri ?? find('profile')?.valueCanonical ?? fromQuery('profile');
  if (profile !== undefined && typeof profile !== 'string')
    throw badRequest(
      'The "profile" parameter must be a canonical URL (valueUri or valueCanonical)',
      'profile',
    );
  return {
    resource: find('resource')?.resource,
    profile,
    mode: find('mode')?.valueCode ?? fromQuery('mode'),
  };
}
