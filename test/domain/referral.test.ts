import {
  acceptanceEffect,
  acceptanceProblem,
  nextStatuses,
  REFERRAL_OUTPUT_SYSTEM,
  rejectionProblem,
  requestStatusFor,
  startProblem,
  transitionParty,
  transitionProblem,
} from '../../src/domain/referral';

describe('rejectionProblem', () => {
  it('accepts a rejection with a coded reason', () => {
    expect(
      rejectionProblem({ status: 'rejected', rejectionReasonCodes: ['geen-bed-beschikbaar'] }),
    ).toBeUndefined();
  });

  it('refuses a rejection without a coded reason', () => {
    expect(rejectionProblem({ status: 'rejected', rejectionReasonCodes: [], reasonText: 'vol' })).toMatch(
      /rejected referral needs a statusReason coded from https:\/\/meso-zorg\.nl\/fhir\/CodeSystem\/referral-rejection-reason/,
    );
  });

  it("needs a text for 'overig'", () => {
    expect(
      rejectionProblem({ status: 'rejected', rejectionReasonCodes: ['overig'], reasonText: '  ' }),
    ).toMatch(/'overig' needs an explanation/);
    expect(
      rejectionProblem({
        status: 'rejected',
        rejectionReasonCodes: ['overig'],
        reasonText: 'Verhuist naar Groningen',
      }),
    ).toBeUndefined();
  });

  it('does not require a reason for other statuses', () => {
    expect(rejectionProblem({ status: 'accepted', rejectionReasonCodes: [] })).toBeUndefined();
  });
});

describe('the referral Task state machine', () => {
  const STATUSES = [
    'requested',
    'received',
    'accepted',
    'rejected',
    'in-progress',
    'on-hold',
    'completed',
    'failed',
    'cancelled',
  ];
  const OWNER: Array<[string, string]> = [
    ['requested', 'received'],
    ['received', 'accepted'],
    ['received', 'rejected'],
    ['accepted', 'in-progress'],
    ['in-progress', 'completed'],
    ['in-progress', 'failed'],
    ['in-progress', 'on-hold'],
    ['on-hold', 'in-progress'],
  ];
  const CANCEL: Array<[string, string]> = ['requested', 'received', 'accepted', 'in-progress', 'on-hold'].map(
    (from) => [from, 'cancelled'],
  );
  const legal = new Set([...OWNER, ...CANCEL].map(([from, to]) => `${from}>${to}`));
  const pairs = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const));

  it.each(OWNER)('%s → %s is the owner’s', (from, to) => {
    expect(transitionParty(from, to)).toBe('owner');
    expect(transitionProblem(from, to)).toBeUndefined();
  });

  it.each(CANCEL)('%s → %s is the requester’s (cancel before completion)', (from, to) => {
    expect(transitionParty(from, to)).toBe('requester');
    expect(transitionProblem(from, to)).toBeUndefined();
  });

  it.each(pairs.filter(([from, to]) => from !== to && !legal.has(`${from}>${to}`)))(
    '%s → %s is refused, naming the allowed next statuses',
    (from, to) => {
      expect(transitionParty(from, to)).toBeUndefined();
      const problem = transitionProblem(from, to) as string;
      expect(problem).toContain(`'${from}' to '${to}'`);
      const next = nextStatuses(from);
      if (next.length) expect(problem).toContain(next.join(', '));
      else expect(problem).toMatch(/is final/);
    },
  );

  it('keeping the status is no transition', () => {
    for (const status of STATUSES) expect(transitionProblem(status, status)).toBeUndefined();
  });

  it('lists the next statuses of each status; a final one has none', () => {
    expect(nextStatuses('received')).toEqual(['accepted', 'rejected', 'cancelled']);
    expect(nextStatuses('in-progress')).toEqual(['completed', 'failed', 'on-hold', 'cancelled']);
    for (const final of ['rejected', 'completed', 'failed', 'cancelled'])
      expect(nextStatuses(final)).toEqual([]);
    expect(nextStatuses('draft')).toEqual([]);
    expect(transitionProblem('draft', 'requested')).toMatch(/'draft' is outside the referral workflow/);
  });
});

describe('requestStatusFor: the ServiceRequest follows its Task', () => {
  it.each([
    ['accepted', 'active'],
    ['in-progress', 'active'],
    ['on-hold', 'on-hold'],
    ['completed', 'completed'],
    ['rejected', 'revoked'],
    ['failed', 'revoked'],
    ['cancelled', 'revoked'],
  ])('Task %s → ServiceRequest %s', (task, request) => {
    expect(requestStatusFor(task)).toBe(request);
  });

  it('leaves the request as it is while nothing is decided', () => {
    for (const status of ['requested', 'received', 'draft']) expect(requestStatusFor(status)).toBeUndefined();
  });
});

describe('acceptanceEffect: what accepting a referral does to the zorgtraject', () => {
  it('an aanmelding opens a zorgtraject, and the referring organisation joins its team', () => {
    expect(acceptanceEffect('aanmelding-meso-team')).toEqual({
      episode: 'open',
      joins: { party: 'requester', role: { code: 'REF', text: 'Verwijzer' } },
    });
  });

  it('an escalation extends the open zorgtraject, and the behandelnetwerk (its owner) joins the team', () => {
    for (const kind of [
      'escalatie-advies',
      'escalatie-aanvullende-diagnostiek',
      'escalatie-medebehandeling',
    ]) {
      const effect = acceptanceEffect(kind);
      expect(effect?.episode).toBe('extend');
      expect(effect?.joins?.party).toBe('owner');
    }
    expect(acceptanceEffect('escalatie-advies')?.joins?.role.code).toBe('CON');
    expect(acceptanceEffect('escalatie-medebehandeling')?.joins?.role.code).toBe('ATND');
  });

  it('an ELV request only extends the open zorgtraject; an unknown kind does nothing', () => {
    expect(acceptanceEffect('elv-aanvraag')).toEqual({ episode: 'extend' });
    expect(acceptanceEffect('iets-anders')).toBeUndefined();
  });
});

describe('acceptanceProblem: an accepted ELV request names the offered place', () => {
  const none = { offeredPlace: false, location: false };

  it('refuses an ELV acceptance without an output naming the place, saying what to send', () => {
    const problem = acceptanceProblem('elv-aanvraag', []) as string;
    expect(problem).toContain(`${REFERRAL_OUTPUT_SYSTEM}|aangeboden-plek`);
    expect(problem).toMatch(/valueReference to the Location/);
    expect(problem).toMatch(/valueString describing the bed/);
    // A typed output without text, or an untyped text, names no place.
    expect(
      acceptanceProblem('elv-aanvraag', [{ offeredPlace: true, location: false, text: ' ' }]),
    ).toBeDefined();
    expect(acceptanceProblem('elv-aanvraag', [{ ...none, text: 'kamer 12' }])).toBeDefined();
  });

  it('accepts a Location, or a typed description of the bed', () => {
    expect(acceptanceProblem('elv-aanvraag', [{ ...none, location: true }])).toBeUndefined();
    expect(
      acceptanceProblem('elv-aanvraag', [{ offeredPlace: true, location: false, text: 'ELV-bed kamer 12' }]),
    ).toBeUndefined();
  });

  it('asks nothing of the other kinds', () => {
    expect(acceptanceProblem('aanmelding-meso-team', [])).toBeUndefined();
    expect(acceptanceProblem('escalatie-advies', [])).toBeUndefined();
  });
});

describe('startProblem: a new referral starts as requested', () => {
  it('accepts requested and names the next step otherwise', () => {
    expect(startProblem('requested')).toBeUndefined();
    expect(startProblem('accepted')).toBe(
      "A new referral Task starts in status 'requested' (this one has 'accepted'); its owner then moves it along (received), and its requester may cancel it",
    );
  });
});
