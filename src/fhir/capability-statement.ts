import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  SearchParameter,
} from '@medplum/fhirtypes';
import { SUPPORTED_TYPES } from '../kernel/resource-types';
import type { OperationHandler } from './interactions/execute';

export interface CapabilityInputs {
  baseUrl?: string;
  version: string;
  searchParams: (resourceType: string) => SearchParameter[];
  profiles: (resourceType: string) => string[];
  operations: ReadonlyMap<string, OperationHandler>;
  /** `Type:param` values for searchInclude and searchRevInclude. */
  includes: (resourceType: string) => { include: string[]; revinclude: string[] };
  /** The SMART token endpoint (absolute), when security is enabled. */
  tokenUrl?: string;
  /** Whether CORS headers are sent (CORS_ORIGINS is set): browser apps can call the API. */
  cors: boolean;
}

// AuditEvent is append-only through the write path's audit trail; the API never writes it.
const READ_ONLY_TYPES = new Set(['AuditEvent']);

/** The CapabilityStatement, generated from what is actually implemented rather than written by hand. */
export function buildCapabilityStatement(inputs: CapabilityInputs): CapabilityStatement {
  const operations = [...inputs.operations.values()];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString().slice(0, 10),
    publisher: 'MESO FHIR service',
    kind: 'instance',
    name: 'MesoFhirService',
    title: 'MESO FHIR-façade (zorgtraject kwetsbare patiënten)',
    description:
      'FHIR R4-façade voor MESO-zorg: zorgbehandelplannen, verwijzingen en zorgtrajecten in nl-core (zib2020).',
    software: { name: 'meso-fhir', version: inputs.version },
    implementation: { description: 'MESO FHIR service', url: inputs.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/fhir+xml', 'json', 'xml'],
    rest: [
      {
        mode: 'server',
        security: inputs.tokenUrl ? smartSecurity(inputs.tokenUrl, inputs.cors) : undefined,
        resource: SUPPORTED_TYPES.map((type) => resourceCapability(type, inputs, operations)),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
        operation: nonEmpty(operationsAt(operations, ['system'])),
      },
    ],
  };
}

function resourceCapability(
  type: string,
  inputs: CapabilityInputs,
  operations: OperationHandler[],
): CapabilityStatementRestResource {
  // PATCH (JSON Patch) goes the way of an update, so every updatable type has it.
  const writes = READ_ONLY_TYPES.has(type) ? [] : ['create', 'update', 'patch', 'delete'];
  const [profile, ...others] = inputs.profiles(type);
  const { include, revinclude } = inputs.includes(type);
  return {
    type: type as CapabilityStatementRestResource['type'],
    profile,
    supportedProfile: others.length ? [profile, ...others] : profile ? [profile] : undefined,
    interaction: ['read', 'vread', 'search-type', 'history-instance', 'history-type', ...writes].map(
      (code) => ({
        code: code as 'read',
      }),
    ),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: !READ_ONLY_TYPES.has(type),
    conditionalCreate: !READ_ONLY_TYPES.has(type),
    conditionalUpdate: !READ_ONLY_TYPES.has(type),
    conditionalDelete: READ_ONLY_TYPES.has(type) ? 'not-supported' : 'single',
    conditionalRead: 'full-support',
    referencePolicy: ['literal', 'logical', 'local'],
    searchParam: nonEmpty(
      inputs.searchParams(type).map((sp) => ({
        name: sp.code as string,
        definition: sp.url,
        type: sp.type as 'token',
        documentation: sp.description,
      })),
    ),
    searchInclude: nonEmpty(include),
    searchRevInclude: nonEmpty(revinclude),
    operation: nonEmpty(operationsAt(operations, ['type', 'instance'], type)),
  };
}

function operationsAt(operations: OperationHandler[], levels: OperationHandler['levels'], type?: string) {
  return operations
    .filter((op) => op.levels.some((level) => levels.includes(level)))
    .filter((op) => !type || !op.resourceTypes || op.resourceTypes.includes(type))
    .map((op) => ({
      name: op.name,
      definition: op.definition ?? `http://hl7.org/fhir/OperationDefinition/Resource-${op.name}`,
    }));
}

// FHIR has no empty arrays (R4 json.html): an empty list is left out, or the XML form cannot be written.
const nonEmpty = <T>(list: T[]): T[] | undefined => (list.length ? list : undefined);

function smartSecurity(
  tokenUrl: string,
  cors: boolean,
): NonNullable<CapabilityStatement['rest']>[number]['security'] {
  return {
    cors,
    service: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' },
        ],
      },
    ],
    description: 'SMART Backend Services: OAuth 2.0 client credentials met private_key_jwt (RFC 7523).',
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [{ url: 'token', valueUri: tokenUrl }],
      },
    ],
  };
}
