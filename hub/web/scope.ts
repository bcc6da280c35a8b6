import type { HubReadModel } from '../http.js';
import type { FacilitySummary } from '../summary.js';
import type { WebPrincipal } from './context.js';

/**
 * What a signed-in user may see, decided at the server on every request (never by the page): national everything,
 * province the facilities registered with its province, facility its own fid. The same rule as the API tokens'.
 */
export async function mayReadFacility(who: WebPrincipal, fid: string, model: HubReadModel): Promise<boolean> {
  if (who.tier === 'national') return true;
  if (who.tier === 'facility') return who.scope === fid;
  return who.scope !== null && (await model.provinceOf?.(fid)) === who.scope;
}

/** The facilities of the read model this user may see (the summaries carry the registry's province). */
export function visibleFacilities(who: WebPrincipal, all: readonly FacilitySummary[]): FacilitySummary[] {
  if (who.tier === 'national') return [...all];
  if (who.tier === 'facility') return all.filter((f) => f.fid === who.scope);
  return all.filter((f) => who.scope !== null && f.province === who.scope);
}

/** Whether an event of `fid` in `province` (null: unknown) reaches this user's live list. */
export function seesEvent(who: { tier: string; scope: string | null }, fid: string, province: string | null): boolean {
  if (who.tier === 'national') return true;
  if (who.tier === 'facility') return who.scope === fid;
  return who.scope !== null && province === who.scope;
}
