/**
 * The GS1 Core Business Vocabulary 2.0 values coldtrail emits and checks (CBV 2.0, §7.1 business steps,
 * §7.2 dispositions; sensor measurement types and alert types from the GS1 Web Vocabulary `gs1:` terms that
 * CBV 2.0 §8.6 / §8.7 and EPCIS 2.0 §7.3.8 point to). Each value is written in its bare compact form, as the
 * official EPCIS 2.0 JSON-LD context maps it (`shipping` = https://ref.gs1.org/cbv/BizStep-shipping,
 * `Temperature` = gs1:Temperature); the official examples use the same form.
 */
export const CBV_BIZ_STEPS = [
  'accepting',
  'arriving',
  'assembling',
  'collecting',
  'commissioning',
  'consigning',
  'creating_class_instance',
  'cycle_counting',
  'decommissioning',
  'departing',
  'destroying',
  'disassembling',
  'dispensing',
  'encoding',
  'entering_exiting',
  'holding',
  'inspecting',
  'installing',
  'killing',
  'loading',
  'other',
  'packing',
  'picking',
  'receiving',
  'removing',
  'repackaging',
  'repairing',
  'replacing',
  'reserving',
  'retail_selling',
  'sampling',
  'sensor_reporting',
  'shipping',
  'staging_outbound',
  'stock_taking',
  'stocking',
  'storing',
  'transporting',
  'unloading',
  'unpacking',
  'void_shipping',
] as const;
export type CbvBizStep = (typeof CBV_BIZ_STEPS)[number];

export const CBV_DISPOSITIONS = [
  'active',
  'available',
  'completeness_inferred',
  'completeness_verified',
  'conformant',
  'container_closed',
  'container_open',
  'damaged',
  'destroyed',
  'dispensed',
  'disposed',
  'encoded',
  'expired',
  'in_progress',
  'in_transit',
  'inactive',
  'mismatch_class',
  'mismatch_instance',
  'mismatch_quantity',
  'needs_replacement',
  'no_pedigree_match',
  'non_conformant',
  'non_sellable_other',
  'partially_dispensed',
  'recalled',
  'reserved',
  'retail_sold',
  'returned',
  'sellable_accessible',
  'sellable_not_accessible',
  'stolen',
  'unavailable',
  'unknown',
] as const;
export type CbvDispositionValue = (typeof CBV_DISPOSITIONS)[number];

/** The measurement types coldtrail's sensors report, with their UN/ECE Rec. 20 unit (EPCIS 2.0 §7.3.8.2). */
export const CBV_SENSOR_MEASURES = {
  temperature: { type: 'Temperature', uom: 'CEL' },
  // P1 = percent (UN/ECE Rec. 20). A93 in the official examples is g/m3, i.e. AbsoluteHumidity, not %RH.
  humidity: { type: 'RelativeHumidity', uom: 'P1' },
} as const;
export type CbvSensorType = (typeof CBV_SENSOR_MEASURES)[keyof typeof CBV_SENSOR_MEASURES]['type'];

/** Sensor alert types (gs1:SensorAlertType): a measured value beyond a limit, or a sensor failure. */
export const CBV_SENSOR_ALERTS = { alarm: 'ALARM_CONDITION', error: 'ERROR_CONDITION' } as const;
export type CbvSensorAlert = (typeof CBV_SENSOR_ALERTS)[keyof typeof CBV_SENSOR_ALERTS];

/** Source/destination types (CBV 2.0 §7.5). */
export const CBV_SOURCE_DEST_TYPES = ['owning_party', 'possessing_party', 'location'] as const;

/** EPCIS 2.0 event actions (§7.3.2). */
export const EPCIS_ACTIONS = ['ADD', 'OBSERVE', 'DELETE'] as const;

const has = (set: readonly string[], v: unknown): boolean => typeof v === 'string' && set.includes(v);
export const isCbvBizStep = (v: unknown): v is CbvBizStep => has(CBV_BIZ_STEPS, v);
export const isCbvDisposition = (v: unknown): v is CbvDispositionValue => has(CBV_DISPOSITIONS, v);
