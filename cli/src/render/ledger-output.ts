import type { BlockView, KeyVersion, TxView } from '@coldtrail/ledger-sync';

/**
 * Text forms of the ledger browsing commands (`coldtrail ledger blocks | tx | history`; --json gives the
 * records themselves), and a stdout writer that waits for the pipe to drain, so a listing of a large ledger
 * streams page by page instead of piling up in memory.
 */
export async function writeOut(text: string): Promise<void> {
  if (process.stdout.write(text)) return;
  await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
}

const short = (h: string) => `${h.slice(0, 16)}…`;

/** One line per block, one indented line per transaction. */
export function blockText(b: BlockView): string {
  const n = b.transactions.length;
  const head = `block ${b.number}  ${b.timestamp}  hash ${short(b.hash)}  prev ${short(b.prevHash)}  ${n} tx${n === 1 ? '' : 's'}`;
  const txs = b.transactions.map(
    (t) => `  ${t.index}  ${t.txId}  ${t.validationCode}  ${t.fn ?? '(unreadable)'}  ${t.creator ?? '?'}`,
  );
  return `${[head, ...txs].join('\n')}\n`;
}

const shown = (v: { value: unknown; encoding?: 'base64' }) =>
  v.encoding === 'base64' ? `base64:${v.value as string}` : JSON.stringify(v.value);
const version = (v: { block: number; tx: number } | null) => (v ? `${v.block}.${v.tx}` : 'absent');

export function txText(t: TxView): string {
  const lines = [
    `transaction ${t.txId}`,
    `  block        ${t.blockNumber}, index ${t.txIndex}, ${t.validationCode}`,
    `  timestamp    ${t.timestamp}`,
    `  function     ${t.fn}`,
    ...t.args.map((a, i) => `  arg ${String(i).padEnd(8)} ${a}`),
    `  creator      ${t.creator.mspid}${t.creatorTrusted ? '' : ' (certificate NOT the org’s: see ledger verify)'}`,
    `  signature    ${t.signatureValid ? 'valid' : 'INVALID'} (${short(t.signature)})`,
    `  response     ${t.response.status} ${shown(t.response)}`,
    `  event        ${t.event ? `${t.event.name} ${shown(t.event)}` : 'none'}`,
    '  reads',
    ...t.rwset.reads.map((r) => `    ${r.key} @ ${version(r.version)}`),
    ...t.rwset.ranges.flatMap((r) => [
      `    range ${r.start} .. ${r.end || '(end)'}`,
      ...r.reads.map((k) => `      ${k.key} @ ${version(k.version)}`),
    ]),
    '  writes',
    ...t.rwset.writes.map((w) => `    ${w.key} = ${w.isDelete ? '(deleted)' : shown(w)}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function versionText(v: KeyVersion): string {
  const value = v.isDelete ? '(deleted)' : shown(v);
  return `block ${v.blockNumber}.${v.txIndex}  ${v.timestamp ?? '?'}  tx ${v.txId}  ${value}\n`;
}
