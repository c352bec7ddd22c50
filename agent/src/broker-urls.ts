import type { ResolvedAgentConfig } from './config.js';

/** The brokers to try in turn: `mqttUrls`, or `mqttUrl` as a list of one (the config allows exactly one). */
export function brokerUrls(cfg: Pick<ResolvedAgentConfig, 'mqttUrl' | 'mqttUrls'>): string[] {
  return cfg.mqttUrls ?? (cfg.mqttUrl === undefined ? [] : [cfg.mqttUrl]);
}
