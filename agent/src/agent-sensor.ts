/** Sensor id of records the agent itself writes (refusal faults, broken sources, malformed samples). */
export const AGENT_SENSOR = 'agent';
