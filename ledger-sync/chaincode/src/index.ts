import { ColdtrailContract } from './coldtrail-contract.js';

export { excursionId } from '@coldtrail/core';
export { ColdtrailContract } from './coldtrail-contract.js';
export { ContractError, ContractErrorCode } from './errors.js';

/** What fabric-chaincode-node's bootstrap looks for in the package's main module. */
export const contracts = [ColdtrailContract];
