import type { Command } from 'commander';
import { DATA_DIR_HELP, EXPECT_TIP_HELP } from './command-options.js';
import { interruptHandling } from './interrupt-handling.js';

/** `coldtrail ledger ...`: the ledger's own commands (see main.ts for how the command table is built). */
export function addLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description('inspect the embedded ledger');
  ledger
    .command('verify')
    .description('replay the embedded ledger and check every block, signature and state entry (reads only)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print JSON')
    .option('--expect-tip <tip>', EXPECT_TIP_HELP)
    .action(async (opts) => (await import('./commands/ledger-verify.js')).ledgerVerify(opts));
  ledger
    .command('export-tip')
    .description(
      'verify the ledger, then write a checkpoint of its tip signed by the node, for another party to keep',
    )
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--out <file>', 'write the checkpoint to this file (default: stdout)')
    .option('--json', 'with --out, print {"file","tip"}')
    .action(async (opts) => (await import('./commands/ledger-export-tip.js')).ledgerExportTip(opts));
  ledger
    .command('blocks')
    .description('list blocks with their transactions, oldest first: the last 20 by default (reads only)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--from <n>', 'start at block N (default: the last --limit blocks)')
    .option('--limit <n>', 'at most N blocks (default 20)')
    .option(
      '--json',
      'print JSON: {"blocks":[{"number","hash","prevHash","dataHash","timestamp","transactions":[{"txId","index","fn","creator","validationCode"}]}]}',
    )
    .action(async (opts) => (await import('./commands/ledger-blocks.js')).ledgerBlocks(opts));
  ledger
    .command('tx')
    .description(
      'one transaction in full: read/write set, event, creator, signature and whether it verifies (reads only)',
    )
    .argument('<txId>', 'transaction id (64 hex digits)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option(
      '--json',
      'print JSON: {"txId","blockNumber","txIndex","validationCode","fn","args","timestamp","rwset","event","creator","signature","signatureValid","creatorTrusted",...}',
    )
    .action(async (txId, opts) => (await import('./commands/ledger-tx.js')).ledgerTx(txId, opts));
  ledger
    .command('history')
    .description('every version of a state key, oldest first (reads only)')
    .argument(
      '<key>',
      'the key as type/part/part, e.g. device/probe-1 or shipment/<SSCC> (with --raw: as stored)',
    )
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--raw', 'the key is a plain state key, not a composite type/part/part')
    .option(
      '--json',
      'print JSON: {"key","versions":[{"blockNumber","txIndex","txId","timestamp","value","isDelete"}]}',
    )
    .action(async (key, opts) => (await import('./commands/ledger-history.js')).ledgerHistory(key, opts));
  ledger
    .command('events')
    .description(
      'the chaincode events of valid transactions in commit order, one per line; ends at the tip unless --follow (reads only)',
    )
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--from <block>', 'start at block N (default 0; a --checkpoint that exists wins)')
    .option('--name <name>', 'only events of this name, e.g. CustodyAccepted')
    .option('--follow', 'keep printing events as the server commits blocks, until SIGINT/SIGTERM (exit 0)')
    .option(
      '--checkpoint <file>',
      'keep the position reached in FILE (rewritten after each event printed); a rerun resumes after the last one',
    )
    .option(
      '--json',
      'print one JSON object per line: {"block","txId","name","payload"} (+ "encoding":"base64" when the payload is not JSON)',
    )
    .action(async (opts) =>
      (await import('./commands/ledger-events.js')).ledgerEvents(opts, {
        interruption: () => interruptHandling(),
      }),
    );
}
