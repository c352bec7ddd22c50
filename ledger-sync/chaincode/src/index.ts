import { ColdtrailContract } from './coldtrail-contract.js';

export { ColdtrailContract } from './coldtrail-contract.js';
export type * from './entries.js';
export { ContractError, ContractErrorCode } from './errors.js';
export { excursionId } from './excursions.js';

/** What fabric-chaincode-node's bootstrap looks for in the package's main module. */
export const contracts = [ColdtrailContract];
