import { Command, CommanderError, Option } from 'commander';
import {
  collect,
  DATA_DIR_HELP,
  EXPECT_TIP_HELP,
  port,
  portOrZero,
  positiveNumber,
} from './command-options.js';
import { describeFailure, Exit } from './exit-codes.js';
import { interruptHandling } from './interrupt-handling.js';
import { addLedgerCommands } from './ledger-commands.js';
import { PROVENANCE_FORMATS } from './provenance-formats.js';
import { addQualityCommands } from './quality-commands.js';

export { interruptHandling } from './interrupt-handling.js';

/**
 * The command table only declares commands; each action lazily imports the module that does the work, so
 * `coldtrail --help` stays fast and commands are testable as plain functions. Only this file and bin/ decide
 * exit codes; nothing else calls process.exit.
 */

export function buildProgram(): Command {
  const program = new Command('coldtrail')
    .description('Pharmaceutical cold-chain tracking: signed sensor readings, ledger-anchored provenance.')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 internal error, 2 usage or invalid input, 3 verification failed, 4 not found,\n' +
        '5 required tool or service unavailable, 130 interrupted.',
    );

  program
    .command('demo')
    .description('run a simulated shipment end to end: probe firmware, agent, broker, ledger-sync')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addOption(
      new Option('--speed <n>', 'simulated seconds per wall second').default(1440).argParser(positiveNumber),
    )
    .addOption(
      new Option('--mqtt-port <port>', 'MQTT port to bind on 127.0.0.1 (default: a free port)').argParser(
        port,
      ),
    )
    .addOption(
      new Option('--serial <transport>', 'serial link to the simulated probe')
        .choices(['auto', 'pty', 'in-process'])
        .default('auto'),
    )
    .option('--scenario <file>', 'scenario YAML for the simulated probe (default: the 2-8 °C lane)')
    .option('--json', 'print one JSON object on stdout instead of the summary')
    .action(async (opts) =>
      (await import('./commands/demo.js')).demo(opts, { interruption: () => interruptHandling() }),
    );

  program
    .command('provenance')
    .description(
      'custody, readings, excursions and a verification of everything, for a shipment, a pack or a lot (reads only)',
    )
    .argument(
      '<id>',
      'an SSCC (18 digits, (00)..., urn:epc:id:sscc:...), an SGTIN (urn:epc:id:sgtin:... or (01)GTIN(21)SERIAL), a lot ((01)GTIN(10)LOT, or a GTIN with --lot) or a GS1 Digital Link URI (https://host/01/GTIN/10/LOT, .../21/SERIAL, .../00/SSCC)',
    )
    .option('--lot <lot>', 'the lot (GS1 AI 10) of the GTIN given as <id>')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addOption(
      new Option('--format <format>', 'what to print on stdout').choices(PROVENANCE_FORMATS).default('table'),
    )
    .option('--json', 'print JSON (the same as --format json)')
    .option('--expect-tip <tip>', EXPECT_TIP_HELP)
    .option(
      '--bundle <file>',
      'also write the offline bundle of the shipment (an SSCC) to FILE, for `coldtrail verify FILE` anywhere',
    )
    .action(async (id, opts) => (await import('./commands/provenance.js')).provenance(id, opts));

  program
    .command('verify')
    .description(
      'check a provenance bundle (written by provenance --bundle) with no database and no network; exit 3 names each failed check and record',
    )
    .argument('<file>', 'the bundle (JSON, docs/bundle-format.md)')
    .option(
      '--json',
      'print JSON: {"ok","sscc","device","range","readings","tip","checks","excursions","limits"}',
    )
    .option('--expect-tip <tip>', EXPECT_TIP_HELP)
    .action(async (file, opts) => (await import('./commands/verify.js')).verify(file, opts));

  program
    .command('epcis')
    .description("exchange GS1 EPCIS 2.0 documents with partners' systems")
    .command('import')
    .description(
      'record an EPCIS 2.0 JSON-LD document on the ledger as imported (its hash, the importer, its events), all or nothing',
    )
    .argument('<file>', 'the EPCIS 2.0 document (JSON / JSON-LD, at most 4 MiB)')
    .option('--data-dir <dir>', `${DATA_DIR_HELP}; created if it does not exist`)
    .option('--org <msp>', 'the importing org (MSP id), needed for a data dir that has none yet')
    .option('--json', 'print JSON: {"document","created","newEvents","knownEvents","via"}')
    .action(async (file, opts) => (await import('./commands/epcis-import.js')).epcisImport(file, opts));

  const profile = program
    .command('profile')
    .description('the cold-chain profiles shipments are judged by: zones, limits and alarm rules');
  profile
    .command('list')
    .description('list the shipped profiles (id, URI, title)')
    .option('--json', 'print JSON')
    .action(async (opts) => (await import('./commands/profile.js')).profileList(opts));
  profile
    .command('show')
    .description('show a profile: zones, limits, alarms, MKT window, digest')
    .argument('<profile>', 'a shipped id or URI, or a profile file (.yaml/.json)')
    .option('--json', 'print JSON')
    .action(async (name, opts) => (await import('./commands/profile.js')).profileShow(name, opts));

  const shipment = program
    .command('shipment')
    .description('create, list and complete shipments (through the server that holds the data dir, if any)');
  shipment
    .command('create')
    .description('start a shipment in transit on an enrolled device; prints its SSCC')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .requiredOption('--device <id>', 'the enrolled device that rides with the shipment')
    .option('--sscc <sscc>', 'SSCC of the shipment (default: the next free one)')
    .option(
      '--profile <profile>',
      'cold-chain profile: a shipped id (2-8C default, frozen, ultra-cold, 15-25C, who-pqs-e006), its URI, or a profile file (.yaml/.json)',
    )
    .option('--origin <sgln>', 'where it leaves (SGLN, default the demo origin)')
    .option('--destination <sgln>', 'where it goes (SGLN, default the demo destination)')
    .option('--product <epc>', 'what it carries (EPC, default the demo product class)')
    .option(
      '--contents <file>',
      'JSON list of the SGTINs {"gtin","serial"} and lot lines {"gtin","lot","expiry","quantity"} it carries',
    )
    .option('--json', 'print {"shipment":"<sscc>"}')
    .action(async (opts) => (await import('./commands/shipment-create.js')).shipmentCreate(opts));
  shipment
    .command('list')
    .description('the shipments on the ledger, oldest first (reads only)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--open', 'only shipments still in transit')
    .option('--json', 'print JSON: {"shipments":[{"sscc","device","status",...}]}')
    .action(async (opts) => (await import('./commands/shipment-list.js')).shipmentList(opts));
  shipment
    .command('complete')
    .description(
      'complete a shipment: anchor and evaluate what was stored, then complete it on the ledger (through the ' +
        'running server; without one, closes a shipment whose process died)',
    )
    .argument('<sscc>', 'SSCC of the shipment')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option(
      '--reason <text>',
      'why it is closed (recorded on the ledger; without a server default "closed by hand ...")',
    )
    .option('--json', 'print JSON')
    .action(async (sscc, opts) =>
      (await import('./commands/shipment-complete.js')).shipmentComplete(sscc, opts),
    );

  const custody = program
    .command('custody')
    .description(
      'hand custody of a shipment over: offer, accept, reject, withdraw, show (through the server holding the data dir, if any)',
    );
  const ORG_HELP =
    "the org acting (MSP id; default: the data dir's own org; a running server acts only as its own)";
  const custodyCmd = (name: string, description: string) =>
    custody
      .command(name)
      .description(description)
      .argument('<sscc>', 'SSCC of the shipment (18 digits; "(00)" prefix allowed)')
      .option('--data-dir <dir>', DATA_DIR_HELP)
      .option('--org <msp>', ORG_HELP)
      .option('--json', "print the contract's answer as JSON");
  custodyCmd('offer', 'offer the shipment to another org at a site (by its custodian)')
    .requiredOption('--to <msp>', 'the org that is to receive it (MSP id)')
    .requiredOption('--location <sgln>', 'where: urn:epc:id:sgln:<prefix>.<ref>.<ext> or a 13-digit GLN')
    .action(async (sscc, opts) => (await import('./commands/custody-commands.js')).custodyOffer(sscc, opts));
  custodyCmd('accept', 'accept the open offer (by the org it names): it becomes the custodian')
    .requiredOption('--location <sgln>', 'where it was received (SGLN or GLN)')
    .action(async (sscc, opts) => (await import('./commands/custody-commands.js')).custodyAccept(sscc, opts));
  custodyCmd('reject', 'reject the open offer (by the org it names), saying why')
    .requiredOption('--location <sgln>', 'where it was refused (SGLN or GLN)')
    .requiredOption('--reason <text>', 'why (recorded on the ledger)')
    .action(async (sscc, opts) => (await import('./commands/custody-commands.js')).custodyReject(sscc, opts));
  custodyCmd('withdraw', 'withdraw an unanswered offer (by the org that made it)')
    .option('--reason <text>', 'why (recorded on the ledger)')
    .action(async (sscc, opts) =>
      (await import('./commands/custody-commands.js')).custodyWithdraw(sscc, opts),
    );
  custody
    .command('show')
    .description('custodian, open offer and custody events of a shipment (reads only)')
    .argument('<sscc>', 'SSCC of the shipment (18 digits; "(00)" prefix allowed)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print JSON: {"sscc","custodian","openOffer","events"}')
    .action(async (sscc, opts) => (await import('./commands/custody-commands.js')).custodyShow(sscc, opts));

  addQualityCommands(program);

  const reading = program.command('reading').description('single readings and their proofs');
  reading
    .command('prove')
    .description('a reading with its Merkle inclusion proof to the anchor on the ledger (reads only)')
    .argument('<device>', 'device id')
    .argument('<seq>', "the reading's sequence number")
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option(
      '--json',
      'print JSON: {"device","seq","record","hash","anchor","index","size","path","included","ledger"}',
    )
    .action(async (device, seq, opts) =>
      (await import('./commands/reading-prove.js')).readingProve(device, seq, opts),
    );

  const sim = program.command('sim').description('simulated sensor firmware for tests, demos and training');
  sim
    .command('start')
    .description(
      'run simulated devices (Modbus probes, GPS, 1-Wire, door contact) on real PTYs and files until Ctrl-C',
    )
    .option('--scenario <file>', 'a fleet file or one probe scenario (default: the 2-8 °C lane)')
    .addOption(
      new Option('--speed <n>', 'simulated seconds per wall second').default(1).argParser(positiveNumber),
    )
    .option(
      '--root <dir>',
      'where 1-Wire and GPIO devices lay out their sysfs-like files (default: a temp dir)',
    )
    .option('--json', 'print one line {"devices":[{"kind","address"}]} once the devices are up')
    .action(async (opts) =>
      (await import('./commands/sim-start.js')).simStart(opts, { interruption: () => interruptHandling() }),
    );

  const agent = program.command('agent').description('the edge agent: set up a device, run it');
  agent
    .command('init')
    .description(
      'create a device: its directory (0700), Ed25519 key (0600, never overwritten) and a documented agent.yaml; ' +
        'prints the public key for `device enroll`',
    )
    .requiredOption(
      '--dir <dir>',
      'directory for the key, the config and the outbox (e.g. /var/lib/coldtrail-agent)',
    )
    .requiredOption('--device <id>', 'device id, as it will be enrolled')
    .requiredOption('--org <msp>', 'organisation (MSP id) that owns the device')
    .requiredOption('--mqtt-url <url>', 'broker URL; repeat for failover brokers, tried in turn', collect, [])
    .option(
      '--source <address>',
      'sensor address URL, e.g. modbus:///dev/ttyUSB0?unit=1; repeat',
      collect,
      [],
    )
    .option('--interval <duration>', 'sampling interval, e.g. 30s, 5m', '60s')
    .option('--force', 'rewrite an existing agent.yaml (the key is never rewritten)')
    .option('--json', 'print {"device","publicKey","config"}')
    .action(async (opts) => (await import('./commands/agent-init.js')).agentInit(opts));
  agent
    .command('start')
    .description(
      'run the agent until SIGTERM/SIGINT (then finish the cycle, flush, close: exit 0); JSON log lines on ' +
        'stderr; systemd Type=notify with watchdog when NOTIFY_SOCKET is set',
    )
    .requiredOption('--config <file>', 'agent.yaml (from `coldtrail agent init`)')
    .action(async (opts) =>
      (await import('./commands/agent-start.js')).agentStart(opts, {
        interruption: () => interruptHandling(),
      }),
    );
  agent
    .command('status')
    .description(
      'backlog, committed and acknowledged seq, disk use against the budget, sources, alarms and whether the ' +
        'agent runs; reads the outbox read-only (works while it runs or is stopped, changes nothing)',
    )
    .requiredOption('--config <file>', 'agent.yaml (from `coldtrail agent init`)')
    .option(
      '--json',
      'print JSON: {"device","agent","outbox","backlog","committedUpTo","ackedUpTo","disk","sources","alarms",...}',
    )
    .action(async (opts) => (await import('./commands/agent-status.js')).agentStatus(opts));

  const server = program
    .command('server')
    .description('the server side: broker, ingest, ledger-sync, ledger');
  server
    .command('start')
    .description(
      'run broker + ingest + ledger-sync with the embedded ledger (or Fabric: --ledger fabric) until SIGTERM/SIGINT (graceful, exit 0); ' +
        'prints its MQTT URL; JSON log lines on stderr; admin socket <data dir>/admin.sock (0600)',
    )
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addOption(
      new Option('--mqtt-port <port>', 'MQTT port (default: a free port; 0 picks one)').argParser(portOrZero),
    )
    .option('--host <host>', 'address to bind the MQTT listener (default 127.0.0.1)')
    .option('--org <msp>', "MSP id this server acts for (default: the data dir's own org)")
    .addOption(
      new Option('--ledger <kind>', "embedded (default: the data dir's own ledger) or fabric").choices([
        'embedded',
        'fabric',
      ]),
    )
    .option(
      '--fabric-connection <file>',
      'Fabric connection file (see deploy/fabric/connection.example.yaml); implies --ledger fabric',
    )
    .option('--json', 'print one line {"mqttUrl","dataDir","org","admin"} once it accepts work')
    .action(async (opts) =>
      (await import('./commands/server-start.js')).serverStart(opts, {
        interruption: () => interruptHandling(),
      }),
    );

  const device = program
    .command('device')
    .description('enrol and revoke devices on the ledger (through the server holding the data dir, if any)');
  device
    .command('enroll')
    .description('register a device and its public key, so the broker accepts it')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .requiredOption('--org <msp>', 'organisation (MSP id) that owns the device')
    .requiredOption('--device <id>', 'device id (as given to `agent init`)')
    .requiredOption('--public-key <file>', 'PEM public key that `agent init` printed, or - for stdin')
    .option('--json', 'print the device entry')
    .action(async (opts) => (await import('./commands/device-enroll.js')).deviceEnroll(opts));
  device
    .command('revoke')
    .description('revoke a device for good: the broker drops and refuses it; it can never be enrolled again')
    .argument('<id>', 'device id')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--reason <text>', 'why (recorded on the ledger)')
    .option('--json', 'print the device entry')
    .action(async (id, opts) => (await import('./commands/device-revoke.js')).deviceRevoke(id, opts));

  addLedgerCommands(program);

  return program;
}

/** Runs the CLI; resolves to the exit code. Commands set `process.exitCode` for non-error outcomes. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : Exit.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; their text is already printed.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return Exit.Ok;
      }
      return Exit.Usage;
    }
    const f = describeFailure(err);
    process.stderr.write(`coldtrail: ${f.message}\n`);
    if (f.stack && process.env.COLDTRAIL_DEBUG) process.stderr.write(`${f.stack}\n`);
    else if (f.stack) process.stderr.write('(set COLDTRAIL_DEBUG=1 for the stack trace)\n');
    return f.exitCode;
  }
}
