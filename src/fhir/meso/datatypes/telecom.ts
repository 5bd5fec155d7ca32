import type { ContactPoint } from '@medplum/fhirtypes';
import type { Phone } from '../../../meso-document/document';
import { stripUndefined } from './name';

/** zib ContactGegevens: the number verbatim, thuis/mobiel/werk as ContactPoint.use home/mobile/work. */
const USE = { thuis: 'home', mobiel: 'mobile', werk: 'work' } as const;
const FROM_USE: Record<string, Phone['use']> = { home: 'thuis', mobile: 'mobiel', work: 'werk' };

export function phoneToFhir(p: Phone): ContactPoint {
  return { system: 'phone', value: p.number, ...(p.use ? { use: USE[p.use] } : {}) };
}

export function emailToFhir(email: string): ContactPoint {
  return { system: 'email', value: email };
}

export function telecomToFhir(phones: Phone[] | undefined, email?: string): ContactPoint[] {
  return [...(phones ?? []).map(phoneToFhir), ...(email ? [emailToFhir(email)] : [])];
}

export function phonesFromFhir(telecom: ContactPoint[] | undefined): Phone[] {
  return (telecom ?? [])
    .filter((t) => t.system === 'phone' && t.value)
    .map((t) => stripUndefined({ number: t.value as string, use: t.use ? FROM_USE[t.use] : undefined }));
}

export function emailFromFhir(telecom: ContactPoint[] | undefined): string | undefined {
  return telecom?.find((t) => t.system === 'email')?.value;
}
