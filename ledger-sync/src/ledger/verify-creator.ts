import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Whose certificate signed a transaction. A creator signature proves only that the holder of the certificate
 * inside the envelope signed it; anyone with SQL access can re-sign a transaction with a fresh self-signed
 * certificate that claims the same MSP id. So verify also asks the org: the creator certificate must be the
 * org's own certificate (`<ledger-keys>/msp/<MSP>/cert.pem`, what the embedded ledger issues) or be issued by
 * one of the org's CA certificates (`<ledger-keys>/msp/<MSP>/cacerts/*.pem`, a Fabric-style MSP folder, where
 * an MSP validates a creator by its chain to a root CA, not by the certificate itself:
 * https://hyperledger-fabric.readthedocs.io/en/latest/msp.html). Validity dates are not checked: a transaction
 * is judged by the certificates the org holds now, and an old certificate stays the org's.
 *
 * The trust is read from the key directory once, by listing it: an MSP id taken from a (hostile) envelope is
 * only ever a map key, never part of a path.
 */
export interface CreatorTrust {
  /** Null when the creator is the org's, else why not (for a verify problem's message). */
  check(creator: { mspid: string; certificate: string }): string | null;
}

interface OrgTrust {
  /** DER bytes of msp/<MSP>/cert.pem, when readable. */
  own?: Buffer;
  cas: X509Certificate[];
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parse(pem: string | undefined): X509Certificate | undefined {
  if (pem === undefined) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

async function readOrg(dir: string): Promise<OrgTrust> {
  const own = parse(await readOptional(join(dir, 'cert.pem')));
  let names: string[] = [];
  try {
    names = (await readdir(join(dir, 'cacerts'))).filter((n) => n.endsWith('.pem')).sort();
  } catch {
    // no CA folder: the org trusts its own certificate alone
  }
  const cas: X509Certificate[] = [];
  for (const name of names) {
    const ca = parse(await readOptional(join(dir, 'cacerts', name)));
    if (ca) cas.push(ca);
  }
  return { ...(own ? { own: own.raw } : {}), cas };
}

/** Reads every org under `<keysDir>/msp/`; a missing folder is a trust with no orgs (every creator fails). */
export async function loadCreatorTrust(keysDir: string): Promise<CreatorTrust> {
  const mspDir = join(keysDir, 'msp');
  const orgs = new Map<string, OrgTrust>();
  let entries: string[] = [];
  try {
    entries = await readdir(mspDir);
  } catch {
    // no org identities at all
  }
  for (const name of entries) orgs.set(name, await readOrg(join(mspDir, name)));
  return creatorTrust(orgs);
}

function creatorTrust(orgs: ReadonlyMap<string, OrgTrust>): CreatorTrust {
  // Ledgers hold thousands of transactions by a handful of certificates: each is judged once.
  const verdicts = new Map<string, string | null>();
  const judge = (mspid: string, pem: string): string | null => {
    const org = orgs.get(mspid);
    if (!org || (!org.own && org.cas.length === 0)) {
      return `its creator org ${mspid} is unknown to this ledger (no certificate in msp/${mspid}/)`;
    }
    const cert = parse(pem);
    if (!cert) return `its creator certificate is unreadable`;
    if (org.own?.equals(cert.raw)) return null;
    if (!cert.ca && org.cas.some((ca) => ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
      return null;
    }
    return `its creator certificate (${cert.subject.replace(/\n/g, ', ')}) is not the certificate of org ${mspid}, nor issued by its CA`;
  };
  return {
    check({ mspid, certificate }) {
      const id = `${mspid}\u0000${certificate}`;
      let verdict = verdicts.get(id);
      if (verdict === undefined) {
        verdict = judge(mspid, certificate);
        verdicts.set(id, verdict);
      }
      return verdict;
    },
  };
}
