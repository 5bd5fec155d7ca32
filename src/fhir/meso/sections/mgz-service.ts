import type { CodeableConcept } from '@medplum/fhirtypes';
import type { MgzService } from '../../../meso-document/document';
import { canonical } from '../../../domain/canonical';

/**
 * The requested medisch-generalistische zorg (CodeSystem mgz-service): an escalation's requested service
 * (ServiceRequest.orderDetail) and the service of an ELV stay (Encounter.serviceType).
 */
export const MGZ_SERVICE_SYSTEM = canonical('CodeSystem', 'mgz-service');

const DISPLAY: Record<MgzService, string> = {
  'elv-laag-complex': 'ELV laag complex',
  'elv-hoog-complex': 'ELV hoog complex',
  'elv-palliatief': 'ELV palliatief',
  'extra-wijkverpleging': 'Extra wijkverpleging',
  'so-consult': 'Consult specialist ouderengeneeskunde',
  'vs-consult': 'Consult verpleegkundig specialist',
  'paramedische-behandeling': 'Paramedische behandeling',
};

export function mgzServiceToFhir(service: MgzService): CodeableConcept {
  return { coding: [{ system: MGZ_SERVICE_SYSTEM, code: service, display: DISPLAY[service] }] };
}

export function mgzServiceFromFhir<T extends MgzService>(
  concepts: CodeableConcept[] | undefined,
): T | undefined {
  const coding = concepts?.flatMap((c) => c.coding ?? []).find((c) => c.system === MGZ_SERVICE_SYSTEM);
  return coding?.code as T | undefined;
}
