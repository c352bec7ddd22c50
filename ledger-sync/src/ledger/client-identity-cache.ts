/**
 * A stand-in for fabric-shim's ClientIdentity constructor that parses each creator certificate once. The
 * original (fabric-shim lib/chaincode.js) decodes the PEM, parses the X.509 certificate, formats the subject
 * and issuer DNs and reads Fabric CA's attribute extension on every transaction: about a fifth of the embedded
 * ledger's CPU per transaction, for the same few org certificates over and over. This one runs the original
 * for a creator it has not seen and remembers what it derived from the certificate (the id and the attributes
 * JSON); every transaction still gets its own instance of the original class, with its own stub, the creator's
 * MSP id and bytes as that stub reports them, and a fresh attributes object, so nothing one transaction does
 * to its identity reaches another. The cache key is the MSP id and the certificate bytes together, and the
 * cache is bounded (oldest entry out first).
 */
interface CreatorStub {
  getCreator(): { mspid: string; idBytes: Uint8Array };
}

interface ParsedIdentity {
  stub: unknown;
  mspId: string;
  idBytes: Uint8Array;
  id: string;
  attrs: Record<string, unknown>;
}

/** Enough for every org and role identity a ledger signs with; a miss only costs one parse. */
export const CLIENT_IDENTITY_CACHE_SIZE = 256;

/**
 * A constructor to put where fabric-shim's SPI calls `new ClientIdentity(stub)`: it returns an instance of
 * `Original` (instanceof and every method unchanged) with the fields the original constructor sets.
 */
export function cachingClientIdentity<T extends object, S extends CreatorStub>(
  Original: new (stub: S) => T,
  maxSize = CLIENT_IDENTITY_CACHE_SIZE,
): new (
  stub: S,
) => T {
  const cache = new Map<string, { id: string; attrsJson: string | undefined }>();
  function CachedClientIdentity(stub: S): T {
    const { mspid, idBytes } = stub.getCreator();
    // Length-prefixed MSP id, then the certificate bytes one char each: no two creators share a key.
    const key = `${mspid.length}:${mspid}:${Buffer.from(idBytes.buffer, idBytes.byteOffset, idBytes.byteLength).toString('latin1')}`;
    let parsed = cache.get(key);
    if (parsed === undefined) {
      // Throws for a certificate it cannot parse, as on a peer; failures are not cached.
      const fresh = new Original(stub) as unknown as ParsedIdentity;
      // An extension without `attrs` leaves attrs undefined in the original: keep that too.
      parsed = {
        id: fresh.id,
        attrsJson: fresh.attrs === undefined ? undefined : JSON.stringify(fresh.attrs),
      };
      if (cache.size >= maxSize) cache.delete(cache.keys().next().value as string);
      cache.set(key, parsed);
    }
    const identity = Object.create(Original.prototype) as ParsedIdentity;
    identity.stub = stub;
    identity.mspId = mspid;
    identity.idBytes = idBytes;
    identity.id = parsed.id;
    identity.attrs = parsed.attrsJson === undefined ? (undefined as never) : JSON.parse(parsed.attrsJson);
    return identity as unknown as T;
  }
  // `new CachedClientIdentity(stub)` yields the returned object, an instance of Original.
  return CachedClientIdentity as unknown as new (
    stub: S,
  ) => T;
}
