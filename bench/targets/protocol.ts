import type { TargetKind } from '../settings';

/** What the child process hosting a target tells the bench. */
export type ChildMessage =
  { type: 'ready'; url: string; baseUrl: string } | { type: 'failed'; error: string };

/** What the bench tells the child. */
export type ParentMessage = { type: 'stop' };

/** A target running in its own process: `url` is the origin, `baseUrl` the FHIR base. */
export interface StartedTarget {
  url: string;
  baseUrl: string;
  close(): Promise<void>;
}

/** Every target module exports one of these; `input` is a JSON file the bench wrote (fixtures or resources). */
export type StartTarget = (input: string | undefined) => Promise<StartedTarget>;

export const TARGET_LABELS: Record<TargetKind, string> = {
  service: 'meso-fhir',
  'node-http': 'bare node:http',
  express: 'bare express',
  medplum: 'medplum FhirRouter+MemoryRepository',
};
