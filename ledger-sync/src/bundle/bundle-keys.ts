/**
 * The chaincode's composite state keys (Fabric's createCompositeKey: U+0000, then each part followed by
 * U+0000; chaincode/src/state.ts), for the entries a bundle finds by key rather than by transaction id.
 */
export function entryKey(objectType: 'device' | 'shipment', id: string): string {
  return `\u0000${objectType}\u0000${id}\u0000`;
}
