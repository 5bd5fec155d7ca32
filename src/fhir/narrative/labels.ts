/**
 * Dutch labels for the FHIR R4 required code lists the narratives show. These are fixed value sets of the
 * core specification, so a static table replaces a terminology lookup.
 */
type Labels = Readonly<Record<string, string>>;

export const GENDER: Labels = { male: 'man', female: 'vrouw', other: 'anders', unknown: 'onbekend' };

const ENTERED_IN_ERROR = 'foutief ingevoerd';

/** RequestStatus: CarePlan.status and ServiceRequest.status. */
export const REQUEST_STATUS: Labels = {
  draft: 'concept',
  active: 'actief',
  'on-hold': 'onderbroken',
  revoked: 'ingetrokken',
  completed: 'afgerond',
  'entered-in-error': ENTERED_IN_ERROR,
  unknown: 'onbekend',
};

export const ACTIVITY_STATUS: Labels = {
  'not-started': 'niet gestart',
  scheduled: 'gepland',
  'in-progress': 'lopend',
  'on-hold': 'onderbroken',
  completed: 'afgerond',
  cancelled: 'geannuleerd',
  stopped: 'gestopt',
  unknown: 'onbekend',
  'entered-in-error': ENTERED_IN_ERROR,
};

export const EPISODE_STATUS: Labels = {
  planned: 'gepland',
  waitlist: 'wachtlijst',
  active: 'actief',
  onhold: 'onderbroken',
  finished: 'afgerond',
  cancelled: 'geannuleerd',
  'entered-in-error': ENTERED_IN_ERROR,
};

export const CARE_TEAM_STATUS: Labels = {
  proposed: 'voorgesteld',
  active: 'actief',
  suspended: 'opgeschort',
  inactive: 'inactief',
  'entered-in-error': ENTERED_IN_ERROR,
};

export const TASK_STATUS: Labels = {
  draft: 'concept',
  requested: 'aangevraagd',
  received: 'ontvangen',
  accepted: 'geaccepteerd',
  rejected: 'afgewezen',
  ready: 'gereed',
  cancelled: 'geannuleerd',
  'in-progress': 'in behandeling',
  'on-hold': 'onderbroken',
  failed: 'mislukt',
  completed: 'afgerond',
  'entered-in-error': ENTERED_IN_ERROR,
};

export const GOAL_STATUS: Labels = {
  proposed: 'voorgesteld',
  planned: 'gepland',
  accepted: 'geaccepteerd',
  active: 'actief',
  'on-hold': 'onderbroken',
  completed: 'afgerond',
  cancelled: 'geannuleerd',
  'entered-in-error': ENTERED_IN_ERROR,
  rejected: 'afgewezen',
};

export const CONDITION_CLINICAL_STATUS: Labels = {
  active: 'actief',
  recurrence: 'recidief',
  relapse: 'terugval',
  inactive: 'niet actief',
  remission: 'in remissie',
  resolved: 'opgelost',
};

export const CONDITION_VERIFICATION_STATUS: Labels = {
  unconfirmed: 'onbevestigd',
  provisional: 'voorlopig',
  differential: 'differentiaaldiagnose',
  confirmed: 'bevestigd',
  refuted: 'weerlegd',
  'entered-in-error': ENTERED_IN_ERROR,
};

export const OBSERVATION_STATUS: Labels = {
  registered: 'geregistreerd',
  preliminary: 'voorlopig',
  final: 'definitief',
  amended: 'gewijzigd',
  corrected: 'gecorrigeerd',
  cancelled: 'geannuleerd',
  'entered-in-error': ENTERED_IN_ERROR,
  unknown: 'onbekend',
};

export const CONSENT_STATUS: Labels = {
  draft: 'concept',
  proposed: 'voorgesteld',
  active: 'actief',
  rejected: 'afgewezen',
  inactive: 'niet actief',
  'entered-in-error': ENTERED_IN_ERROR,
};

/** Consent.provision.type: whether the treatment or sharing is allowed. */
export const PROVISION_TYPE: Labels = { permit: 'toegestaan', deny: 'niet toegestaan' };
