import { z } from 'zod';
import { ColdtrailError, ErrorCode } from './errors.js';
import { isSscc } from './gs1.js';
import { type ShipmentProfile, shipmentProfileSchema } from './ledger-entries.js';

/**
 * The retained downlink on `.../config` (DESIGN.md §2.5): which shipment the device carries now and the
 * temperature profile the agent evaluates itself for local alarms (buzzer/LED, `.../alarms`), so alarms fire
 * while offline. The server publishes it retained when a shipment is created (`shipment` = its SSCC, `profile`
 * = its profile) and when it is completed (`shipment: null, profile: null`: nothing to watch). Not signed:
 * only the server may publish on a device's config topic (broker ACL), and it is not evidence — the ledger's
 * excursion engine decides excursions from the signed readings; local alarms only warn the people nearby.
 */
export interface AgentConfigMessage {
  v: 1;
  shipment: string | null;
  profile: ShipmentProfile | null;
}

/** Largest config payload an agent reads (a profile is well under 1 KiB). */
export const MAX_AGENT_CONFIG_BYTES = 16 * 1024;

export const agentConfigMessageSchema = z
  .strictObject({
    v: z.literal(1, { error: 'must be 1 (the only config message version this agent knows)' }),
    shipment: z.string().refine(isSscc, 'must be an SSCC (18 digits, GS1 check digit)').nullable(),
    profile: shipmentProfileSchema
      .refine((p) => p.lowerC < p.upperC, { message: 'lowerC must be below upperC', path: ['lowerC'] })
      .nullable(),
  })
  .refine((m) => (m.shipment === null) === (m.profile === null), {
    message: 'shipment and profile are both set (in transit) or both null (no shipment)',
    path: ['profile'],
  }) satisfies z.ZodType<AgentConfigMessage>;

/**
 * Parses a config payload (hostile input: a broker anyone misconfigured may deliver anything). Throws
 * INVALID_INPUT naming every problem as `path: message`.
 */
export function parseAgentConfigMessage(payload: Uint8Array | string): AgentConfigMessage {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (bytes > MAX_AGENT_CONFIG_BYTES) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `config message of ${bytes} bytes exceeds ${MAX_AGENT_CONFIG_BYTES}; publish a profile, not a file`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'config message is not JSON');
  }
  const parsed = agentConfigMessageSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
    throw new ColdtrailError(ErrorCode.InvalidInput, `config message refused: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return parsed.data as AgentConfigMessage;
}
