/**
 * The region scenarios of issue 9 (bench/region.ts), as the demo client that makes them. Targets on the 2-core
 * machine at 100k patients (about a million resources): search p95 ≤ 5 ms, GP pull p95 ≤ 15 ms (and ≤ 1.5× its
 * figure at 10k), platform page p95 ≤ 25 ms; each within 1.5× of admin making the same requests.
 */
const BSN = encodeURIComponent('http://fhir.nl/fhir/NamingSystem/bsn|999911120');

export interface RegionScenario {
  id: string;
  title: string;
  /** Who makes it (besides admin): a key of the callers in region.ts. */
  caller: 'gp' | 'platform';
  /** Relative to the FHIR base. */
  path: string;
  /** Pages to follow by the `next` link (the cursor); all of them are measured in turn. */
  pages?: number;
}

export const REGION_SCENARIOS: readonly RegionScenario[] = [
  {
    id: 'search-bsn',
    title: 'Patient search by BSN (the GP’s own patient)',
    caller: 'gp',
    path: `Patient?identifier=${BSN}`,
  },
  {
    id: 'gp-pull',
    title: 'GP pull: the care plan by BSN with subject, team, goals and conditions in one search',
    caller: 'gp',
    path:
      `CarePlan?subject:Patient.identifier=${BSN}&_include=CarePlan:care-team&_include=CarePlan:goal` +
      '&_include=CarePlan:condition&_include=CarePlan:subject',
  },
  {
    id: 'platform-episodes',
    title: 'Platform EpisodeOfCare pages of 50 with their patients (first page and the next by cursor)',
    caller: 'platform',
    path: 'EpisodeOfCare?_count=50&_include=EpisodeOfCare:patient',
    pages: 20,
  },
];
