import { stringify } from 'yaml';

export interface AgentYamlValues {
  device: string;
  org: string;
  mqttUrls: readonly string[];
  /** Sensor address URLs; none gives a commented example to fill in. */
  sources: readonly string[];
  /** As written by the user, e.g. `60s`. */
  interval: string;
  /** Written as is; `.` (the file's own directory) by default. */
  dataDir?: string;
}

/** A YAML scalar, quoted only where YAML needs it (a URL with `?` and `&` stays readable). */
const scalar = (v: string) => stringify(v, { lineWidth: 0 }).trimEnd();

/**
 * The documented agent.yaml that `coldtrail agent init` writes (and deploy/agent.example.yaml shows): a
 * comment above every key, so a technician can change it on site without the manual. How keys map onto the
 * config schema: yaml-mapping.ts.
 */
export function renderAgentYaml(v: AgentYamlValues): string {
  const sources =
    v.sources.length > 0
      ? `sources:\n${v.sources.map((s) => `  - ${scalar(s)}`).join('\n')}`
      : 'sources:\n  # - modbus:///dev/ttyUSB0?baud=9600&unit=1\n  []';
  return `# coldtrail agent configuration. Run the agent with: coldtrail agent start --config <this file>
# Durations take a unit: 500ms, 60s, 5m, 1h30m, 7d. Sizes: 512MB (10^6 bytes) or 256MiB (2^20 bytes).
# Relative paths are relative to the directory of this file.
# Any setting can be overridden by an environment variable COLDTRAIL_AGENT_<SETTING>, named after the setting's
# full name in milliseconds/bytes, e.g. COLDTRAIL_AGENT_SAMPLE_PERIOD_MS=30000 (see the README).
# A problem in this file stops the agent at start with every mistake listed as "setting: what is wrong (line N)".

# The device id, exactly as enrolled on the ledger (coldtrail device enroll --device ...).
device: ${scalar(v.device)}

# The organisation (MSP id) that owns the device; part of every MQTT topic it publishes on.
org: ${scalar(v.org)}

# Where the agent keeps its state: device-key.pem (the device's private key: never copy it to another device)
# and outbox.sqlite (every reading, kept until the server has acknowledged it). Must survive reboots.
dataDir: ${scalar(v.dataDir ?? '.')}

# The connection to the server's MQTT broker.
mqtt:
  # The brokers, tried in turn when one is unreachable (failover). mqtts://host:8883 for TLS.
  urls:
${v.mqttUrls.map((u) => `    - ${scalar(u)}`).join('\n')}
  # How long without traffic before the connection is checked (whole seconds).
  keepalive: 30s
  # How long a connection attempt may take before the next broker is tried.
  connectTimeout: 10s
  # A batch with no acknowledgement after this long is sent again (nothing is deleted until acknowledged).
  resendTimeout: 30s
  # Batches sent ahead without waiting for their acknowledgement.
  inflightWindow: 8
  # Wait between reconnect attempts: starts at min, doubles up to max.
  reconnect:
    # First wait after a lost connection.
    min: 500ms
    # Longest wait.
    max: 30s

# How often every sensor is read (each reading, or the fault that prevented it, becomes one record).
interval: ${scalar(v.interval)}

# The sensors, one address URL each (put a local alarm LED/buzzer elsewhere, not here):
#   modbus:///dev/ttyUSB0?baud=9600&unit=1      Modbus RTU probe on RS-485; unit = its slave address (1-247).
#     Several probes on one bus: one line per unit. Options: &timeout=500 (ms), &sensor=<name>,
#     &parity=none|even|odd, &echo=true for two-wire adapters that echo each request.
#   nmea:///dev/ttyAMA0?baud=9600               GPS receiver speaking NMEA 0183 (position, speed, UTC time).
#   w1://28-00000abcdef0                         DS18B20 1-Wire probe (its id under /sys/bus/w1/devices).
#   gpio://17?edge=both                          door contact on GPIO 17 (BCM numbering).
# A source may also get its own interval, and a faster one while its temperature is outside alarmLimits:
#   - { address: "w1://28-00000abcdef0", interval: 5m, fastInterval: 30s }
${sources}

# Optional (remove the # to use):
# Temperature limits (°C) outside which sources with a fastInterval are read faster.
# alarmLimits: { lowerC: 2, upperC: 8 }
# A local alarm LED or buzzer, switched on while an alarm is active, even without network.
# alarmOutput: gpio://27
# Disk space the outbox may use; a warning is raised at diskWarn (default 80% of it), well before.
# diskBudget: 512MB
# diskWarn: 400MB

# How readings are grouped for sending.
batch:
  # Readings are sent in signed batches: one is cut at this many readings...
  maxRecords: 100
  # ...or when its oldest reading is this old, whichever comes first.
  maxAge: 5m

# Readings the server has acknowledged stay on the device this long (for audits), then they are deleted.
# Unacknowledged readings are never deleted.
retention: 7d
`;
}
