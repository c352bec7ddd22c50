/**
 * The MSP checks of the Gateway test server's peer (test-only): who signed a request. The creator (a
 * msp.SerializedIdentity) must be of an org of the channel, its certificate issued by a CA of that org, and its
 * signature (DER, low-S) over the signed bytes good. A refusal is AccessDenied, which each RPC turns into the
 * status Fabric's gateway gives it (internal/pkg/gateway/api.go).
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import { derSignatureProblem } from '../ledger/ecdsa-der.js';
import { CHANNEL } from './gateway-ledger.test-kit.js';
import { GatewayRpcError, grpc, protos } from './gateway-protos.test-kit.js';

const p = protos;
export type Creator = { mspid: string; certificate: string };
type Member = { creator: Creator; publicKey: KeyObject };

/** A refusal by the peer's checks (signature, creator, transaction id), before the contract runs. */
export class AccessDenied extends Error {}

export class CreatorCheck {
  private readonly cas: Map<string, X509Certificate[]>;
  private readonly members = new Map<string, Member | AccessDenied>();

  /** `orgCas`: CA certificates (PEM) per org MSP id. */
  constructor(orgCas: ReadonlyMap<string, readonly string[]>) {
    this.cas = new Map([...orgCas].map(([msp, pems]) => [msp, pems.map((pem) => new X509Certificate(pem))]));
  }

  /** Who signed `data`: the SerializedIdentity must be of a known org, issued by its CA, and the signature good. */
  creator(identityBytes: Uint8Array, data: Uint8Array, signature: Uint8Array, what: string): Creator {
    const key = Buffer.from(identityBytes).toString('base64');
    let known = this.members.get(key);
    if (!known) {
      known = this.member(identityBytes);
      if (this.members.size > 1000) this.members.clear();
      this.members.set(key, known);
    }
    if (known instanceof AccessDenied) throw known;
    const bad = derSignatureProblem(known.publicKey, data, signature);
    if (bad)
      throw new AccessDenied(`access denied: the creator's signature over the ${what} is not valid: ${bad}`);
    return known.creator;
  }

  /** The gateway's ACL check on a signed request (CommitStatus, ChaincodeEvents): a refusal is PERMISSION_DENIED. */
  checkAcl(identity: Uint8Array, data: Uint8Array, signature: Uint8Array, what: string): void {
    try {
      this.creator(identity, data, signature, what);
    } catch (err) {
      if (!(err instanceof AccessDenied)) throw err;
      throw new GatewayRpcError(grpc.status.PERMISSION_DENIED, err.message);
    }
  }

  /** The MSP's verdict on an identity, judged once per identity (certificate checks cost ~2 ms). */
  private member(identityBytes: Uint8Array): Member | AccessDenied {
    try {
      return this.judge(identityBytes);
    } catch (err) {
      if (err instanceof AccessDenied) return err;
      throw err;
    }
  }

  private judge(identityBytes: Uint8Array): Member {
    let id: FabricProtos.msp.SerializedIdentity;
    try {
      id = p.msp.SerializedIdentity.deserializeBinary(identityBytes);
    } catch {
      throw new AccessDenied('access denied: the creator is malformed (not a serialized identity)');
    }
    const mspid = id.getMspid();
    const certificate = Buffer.from(id.getIdBytes_asU8()).toString('utf8');
    const cas = this.cas.get(mspid);
    if (!cas)
      throw new AccessDenied(
        `access denied: channel [${CHANNEL}] creator org unknown, creator MSP ${mspid} is not a member of the channel`,
      );
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certificate);
    } catch {
      throw new AccessDenied(
        `access denied: channel [${CHANNEL}] creator org [${mspid}]: the creator certificate is malformed`,
      );
    }
    if (cert.ca || !cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
      throw new AccessDenied(
        `access denied: channel [${CHANNEL}] creator org [${mspid}]: the creator certificate (${cert.subject.replace(/\n/g, ', ')}) is not issued by a CA of ${mspid}`,
      );
    }
    return { creator: { mspid, certificate }, publicKey: cert.publicKey };
  }
}
