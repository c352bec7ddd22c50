import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * A config field holding `0` or a duration such as "1h30m" (duration.ts), output in milliseconds. `invalid` is
 * the message for a value that is no duration; with `notPositive` the field refuses zero with that message.
 * Each config file keeps its own wording (their tests assert it), so the messages are the caller's.
 */
export const durationSchema = (invalid: string, notPositive?: string) =>
  z.unknown().transform((v, ctx) => {
    const ms = v === 0 ? 0 : typeof v === 'string' ? parseDuration(v) : undefined;
    const message = ms === undefined ? invalid : ms <= 0 ? notPositive : undefined;
    if (message === undefined) return ms as number;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
