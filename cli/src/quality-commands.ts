import type { Command } from 'commander';
import { DATA_DIR_HELP } from './command-options.js';

/**
 * `coldtrail signer|disposition|stability ...`: the quality unit's commands — who may sign, the disposition
 * of a unit, and a product's stability budget (see main.ts for how the command table is built).
 */
export function addQualityCommands(program: Command): void {
  const signer = program
    .command('signer')
    .description('the people whose electronic signatures release or reject product (21 CFR Part 11)');
  signer
    .command('add')
    .description("make a signer's key (encrypted under their password) and register it on the ledger")
    .argument('<name>', "the signer's name in this org (letters, digits, . _ -), e.g. jroe")
    .requiredOption('--full-name <name>', 'the printed name every signature carries, e.g. "Dr. Jane Roe"')
    .option('--password-stdin', 'read the password from the first line of stdin (else a hidden prompt)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--org <msp>', "the signer's org (MSP id; default: the data dir's own org)")
    .option('--json', 'print JSON')
    .action(async (name, opts) => (await import('./commands/signer-commands.js')).signerAdd(name, opts));
  signer
    .command('list')
    .description("the data dir's signers: name, printed name, org, public key, lockout")
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print JSON')
    .action(async (opts) => (await import('./commands/signer-commands.js')).signerList(opts));
  signer
    .command('passwd')
    .description("change a signer's password (the key and its registration stay)")
    .argument('<name>', 'the signer')
    .option('--password-stdin', 'read the current, then the new password as two lines of stdin')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (name, opts) => (await import('./commands/signer-commands.js')).signerPasswd(name, opts));
  signer
    .command('unlock')
    .description('lift the lockout after repeated wrong passwords (logged)')
    .argument('<name>', 'the signer')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (name, opts) => (await import('./commands/signer-commands.js')).signerUnlock(name, opts));

  const disposition = program
    .command('disposition')
    .description('quarantine, release (signed), reject (signed) and show the disposition trail of a unit');
  const ID_HELP =
    'an SSCC, an SGTIN ((01)..(21).., urn:epc:id:sgtin:..) or a lot ((01)..(10).., or a GTIN with --lot)';
  const dispositionCmd = (name: string, description: string) =>
    disposition
      .command(name)
      .description(description)
      .argument('<id>', ID_HELP)
      .option('--lot <lot>', 'the lot of a GTIN given alone')
      .option('--data-dir <dir>', DATA_DIR_HELP)
      .option('--json', 'print JSON');
  dispositionCmd('quarantine', 'put the unit on hold (not signed; by its custodian or owner)')
    .requiredOption('--reason <text>', 'why (kept in the trail)')
    .option('--signer <name>', 'who decided, as the trail names them (default: the CLI user)')
    .option('--org <msp>', "the org acting (default: the data dir's own org)")
    .action(async (id, opts) =>
      (await import('./commands/disposition-commands.js')).dispositionQuarantine(id, opts),
    );
  dispositionCmd('release', "release from quarantine: an electronic signature, asks the signer's password")
    .requiredOption('--reason <text>', 'why it may be distributed (kept in the trail)')
    .option('--signer <name>', 'the signer (`coldtrail signer list`)')
    .option('--password-stdin', "read the signer's password from stdin (else a hidden prompt)")
    .action(async (id, opts) =>
      (await import('./commands/disposition-commands.js')).dispositionRelease(id, opts),
    );
  dispositionCmd('reject', "reject a quarantined unit: an electronic signature, asks the signer's password")
    .requiredOption('--reason <text>', 'why it is not to be distributed (kept in the trail)')
    .option('--signer <name>', 'the signer (`coldtrail signer list`)')
    .option('--password-stdin', "read the signer's password from stdin (else a hidden prompt)")
    .action(async (id, opts) =>
      (await import('./commands/disposition-commands.js')).dispositionReject(id, opts),
    );
  dispositionCmd(
    'show',
    'current disposition and the whole trail, each signature verified (reads only)',
  ).action(async (id, opts) => (await import('./commands/disposition-show.js')).dispositionShow(id, opts));

  const stability = program
    .command('stability')
    .description("a product's stability budget: define it (signed), show what is left of it (reads only)");
  stability
    .command('define')
    .description(
      "define a new version of a product's stability budget: an electronic signature, asks the signer's password",
    )
    .requiredOption('--gtin <gtin>', 'the product (GTIN-8/12/13/14, check digit checked)')
    .requiredOption('--lower <celsius>', 'lower limit of the band, °C (inclusive)')
    .requiredOption('--upper <celsius>', 'upper limit of the band, °C (inclusive, above --lower)')
    .requiredOption(
      '--allowed <duration>',
      'total time allowed inside the band over its life: 120h, 90m, 5d, or minutes',
    )
    .requiredOption('--signer <name>', 'the signer (`coldtrail signer list`)')
    .option('--password-stdin', "read the signer's password from stdin (else a hidden prompt)")
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--org <msp>', "the signer's org (default: the signer's own)")
    .option('--json', 'print the stored definition as JSON')
    .action(async (opts) => (await import('./commands/stability-define.js')).stabilityDefine(opts));
  stability
    .command('show')
    .description(
      'allowed, consumed and remaining minutes of a lot, SGTIN or SSCC, and each consumption (reads only)',
    )
    .argument('<id>', `${ID_HELP}; an SSCC with --gtin`)
    .option('--lot <lot>', 'the lot of a GTIN given alone')
    .option('--gtin <gtin>', 'with an SSCC: the product whose budget to show')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', "print the ledger's StabilityBudgetStatus as JSON")
    .action(async (id, opts) => (await import('./commands/stability-show.js')).stabilityShow(id, opts));
}
