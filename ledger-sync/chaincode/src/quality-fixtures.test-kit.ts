/**
 * Fixtures for the disposition and stability budget tests: the orgs, a lot of one GTIN and a pallet.
 * Callers with a coldtrail.role attribute come from roleCaller (test-certificates.test-kit.ts).
 */
export const OWNER = 'ColdtrailOrgMSP';
export const CARRIER = 'CarrierOrgMSP';
export const PHARMA = 'PharmaOrgMSP';
export const GTIN = '07612345678900';
export const LOT = { gtin: GTIN, lot: 'L2025-01' };
export const SSCC = '037612345000000014';
