import type { AnchorEntry, AnchorHead, DeviceEntry } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import { callerMsp, emit, keys, listJson, readJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

const ANCHOR_FIELDS = ['device', 'fromSeq', 'toSeq', 'root', 'count'] as const;

/**
 * Anchors the Merkle root of one window of a device's readings (RFC 6962 root over record hashes
 * fromSeq..toSeq). Windows are contiguous per device: each starts right after the last one, so "anchored up to
 * N" means every reading 1..N is covered exactly once. Only the device's owning org may anchor. Re-sending the
 * same anchor is a no-op; a different anchor for an anchored window is refused.
 */
export async function anchorReadings(ctx: Context, anchorArg: string): Promise<AnchorEntry> {
  const a = v.jsonObject(anchorArg, 'anchor', ANCHOR_FIELDS);
  const device = v.identifier(a.device, 'device');
  const fromSeq = v.seq(a.fromSeq, 'fromSeq');
  const toSeq = v.seq(a.toSeq, 'toSeq');
  const root = v.hex64(a.root, 'root');
  const count = v.seq(a.count, 'count');
  if (toSeq < fromSeq) invalid(`toSeq ${toSeq} is below fromSeq ${fromSeq}`);
  if (count !== toSeq - fromSeq + 1) invalid(`count must be toSeq - fromSeq + 1 = ${toSeq - fromSeq + 1}`);

  const owner = await readJson<DeviceEntry>(ctx, keys.device(ctx, device));
  if (!owner) notFound(`device ${device} is not registered`);
  const org = callerMsp(ctx);
  if (owner.org !== org) forbidden(`only ${owner.org}, the owner of ${device}, may anchor its readings`);
  // A revoked device's key may be in other hands: nothing it signed is anchored from then on (ledger-sync
  // anchors what it stored before it revokes a device).
  if (owner.status === 'revoked') {
    conflict(
      `device ${device} was revoked at ${owner.revokedAt ?? '?'}: its readings are no longer anchored`,
    );
  }

  const key = keys.anchor(ctx, device, fromSeq);
  const existing = await readJson<AnchorEntry>(ctx, key);
  if (existing) {
    if (existing.toSeq === toSeq && existing.root === root) return existing; // a retry
    conflict(`readings ${fromSeq}..${existing.toSeq} of ${device} are already anchored with another root`);
  }
  const headKey = keys.anchorHead(ctx, device);
  const upTo = (await readJson<AnchorHead>(ctx, headKey))?.upTo ?? 0;
  if (fromSeq !== upTo + 1) {
    conflict(
      `anchors of ${device} must be contiguous: anchored up to ${upTo}, so the next starts at ${upTo + 1}`,
    );
  }
  const entry: AnchorEntry = {
    device,
    fromSeq,
    toSeq,
    root,
    count,
    anchoredAt: txTime(ctx).iso,
    txId: ctx.stub.getTxID(),
  };
  await writeJson(ctx, key, entry);
  await writeJson(ctx, headKey, { device, upTo: toSeq } satisfies AnchorHead);
  emit(ctx, 'ReadingsAnchored', entry);
  return entry;
}

export async function anchoredUpTo(ctx: Context, deviceArg: string): Promise<number> {
  const device = v.identifier(deviceArg, 'device');
  return (await readJson<AnchorHead>(ctx, keys.anchorHead(ctx, device)))?.upTo ?? 0;
}

/** Anchors of a device that overlap fromSeq..toSeq, in seq order. */
export async function anchorsOverlapping(
  ctx: Context,
  device: string,
  fromSeq: number,
  toSeq: number,
): Promise<AnchorEntry[]> {
  const all = await listJson<AnchorEntry>(ctx, 'anchor', [device]);
  return all.filter((a) => a.toSeq >= fromSeq && a.fromSeq <= toSeq);
}

export async function getAnchors(
  ctx: Context,
  deviceArg: string,
  fromSeqArg: string,
  toSeqArg: string,
): Promise<AnchorEntry[]> {
  const device = v.identifier(deviceArg, 'device');
  const fromSeq = v.seqArg(fromSeqArg, 'fromSeq');
  const toSeq = v.seqArg(toSeqArg, 'toSeq');
  if (toSeq < fromSeq) invalid(`toSeq ${toSeq} is below fromSeq ${fromSeq}`);
  return anchorsOverlapping(ctx, device, fromSeq, toSeq);
}
