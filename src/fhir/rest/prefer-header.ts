/** R4 http.html#ops and search.html#errors: `Prefer: return=…` and `Prefer: handling=lenient|strict`. */
export interface Preferences {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  lenient: boolean;
}

export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = { lenient: false };
  for (const part of (header ?? '').split(/[,;]/)) {
    const [key, value] = part.split('=').map((s) => s.trim().replace(/"/g, ''));
    if (
      key === 'return' &&
      (value === 'minimal' || value === 'representation' || value === 'OperationOutcome')
    ) {
      prefs.return = value;
    }
    if (key === 'handling') prefs.lenient = value === 'lenient';
  }
  return prefs;
}
