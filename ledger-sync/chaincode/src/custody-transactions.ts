/**
 * The domain functions behind the contract's custody section (hand-over, aggregation, dispenses, lot and
 * SGTIN traces), gathered so coldtrail-contract.ts imports them with one line.
 */
export { aggregate, disaggregate } from './aggregation.js';
export { acceptCustody, getCustody, offerCustody, rejectCustody, withdrawOffer } from './custody.js';
export { listDispenses, recordDispense } from './dispense.js';
export { listReceipts } from './receipts.js';
export { queryLot, querySgtin } from './trace.js';
