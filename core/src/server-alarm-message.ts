import { z } from 'zod';
import { ColdtrailError, ErrorCode } from './errors.js';
import { type ExcursionEntry, excursionEntrySchema } from './ledger-entries.js';

/**
 * What the server side publishes on a device's `.../alarms` topic (DESIGN.md §2.5) when ledger-sync records an
 * excursion of the shipment the device carries: `raised` the first time the ledger holds it, `grown` each time a
 * running one is recorded again longer or more extreme. The agent publishes its own local alarms on the same
 * topic (`source` absent there); these carry `source: "server"` and the ledger entry itself, so a subscriber can
 * look the excursion up on the ledger by its `txId`. Not signed and not evidence: the ledger entry is.
 */
export interface ServerAlarmMessage {
  v: 1;
  source: 'server';
  event: 'raised' | 'grown';
  org: string;
  device: string;
  sscc: string;
  excursion: ExcursionEntry;
}

export const serverAlarmMessageSchema = z.strictObject({
  v: z.literal(1),
  source: z.literal('server'),
  event: z.enum(['raised', 'grown']),
  org: z.string().min(1),
  device: z.string().min(1),
  sscc: z.string().min(1),
  excursion: excursionEntrySchema,
}) satisfies z.ZodType<ServerAlarmMessage>;

/** Largest server alarm payload a subscriber reads (one excursion entry is well under 2 KiB). */
export const MAX_SERVER_ALARM_BYTES = 16 * 1024;

/** Parses a server alarm payload (hostile input); throws INVALID_INPUT naming every problem as `path: message`. */
export function parseServerAlarmMessage(payload: Uint8Array | string): ServerAlarmMessage {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  if (Buffer.byteLength(text) > MAX_SERVER_ALARM_BYTES) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `alarm message exceeds ${MAX_SERVER_ALARM_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'alarm message is not JSON');
  }
  const parsed = serverAlarmMessageSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
    throw new ColdtrailError(ErrorCode.InvalidInput, `alarm message refused: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return parsed.data;
}
