import { type Env, isIdentifier, parseConfig } from '@coldtrail/core';
import { z } from 'zod';

/**
 * ledger-sync settings, validated once at start, with `COLDTRAIL_LEDGER_SYNC_<KEY>` environment overrides on
 * top of the object the caller hands in.
 */
export const LedgerSyncConfigSchema = z
  .strictObject({
    /** Directory holding the reading store (and, by default, the embedded ledger). */
    dataDir: z.string().min(1),
    /** MSP id of the org this service acts for: it registers devices, owns shipments and anchors readings. */
    org: z.string().refine(isIdentifier, 'must be an identifier like Org1MSP'),
    /** Readings per Merkle anchor window. */
    anchorWindow: z.number().int().min(1).max(100_000).default(256),
    /** First retry delay after a failed anchor submission (ms, doubling up to a minute). */
    anchorRetryMs: z.number().int().min(1).default(5_000),
    /**
     * Anchor, at start, the full windows stored while the service was down. A process that only answers
     * queries (`coldtrail provenance`) passes false so it writes nothing.
     */
    resumeAnchoring: z.boolean().default(true),
    /**
     * Record excursions on the ledger while the shipment is in transit, as soon as the readings show one (and
     * again as it grows), rather than only at completion.
     */
    liveExcursions: z.boolean().default(true),
    /**
     * Put a shipment in quarantine on the ledger as soon as one of its excursions is recorded (issue 9: an
     * alarm quarantines the affected units; only a signed release by a quality person lets them go again).
     */
    autoQuarantine: z.boolean().default(true),
    /** Reading store file, relative to dataDir unless absolute. */
    readingsFile: z.string().min(1).default('readings.db'),
    /** Embedded ledger location (a directory, or a .sqlite file), relative to dataDir unless absolute. */
    ledgerPath: z.string().min(1).default('.'),
    /**
     * Which ledger the service runs on: the embedded single-node ledger in the data directory (`ledgerPath`),
     * or a Hyperledger Fabric network through a gateway peer (`fabricConnection`).
     */
    ledger: z.enum(['embedded', 'fabric']).default('embedded'),
    /**
     * The Fabric connection file (deploy/fabric/connection.example.yaml), relative to dataDir unless
     * absolute; required when ledger is fabric.
     */
    fabricConnection: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.ledger === 'fabric' && config.fabricConnection === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['fabricConnection'],
        message:
          'required when ledger is fabric: the path of a connection file like deploy/fabric/connection.example.yaml',
      });
    }
  });

export type LedgerSyncConfig = z.output<typeof LedgerSyncConfigSchema>;
export type LedgerSyncConfigInput = z.input<typeof LedgerSyncConfigSchema>;

/**
 * Validates and fills defaults, `COLDTRAIL_LEDGER_SYNC_<KEY>` from `env` (default process.env) over `input`;
 * a bad config lists every problem as `path: message`.
 */
export function parseLedgerSyncConfig(input: unknown, env?: Env): LedgerSyncConfig {
  return parseConfig(LedgerSyncConfigSchema, input, { service: 'ledger-sync', ...(env ? { env } : {}) });
}
