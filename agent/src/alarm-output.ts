/**
 * What local alarms need of the LED/buzzer (gpio/alarm-output.ts `openAlarmOutput` is the production one, the
 * default opener; tests pass a recording fake). `set` is called only when the aggregate changes (some alarm
 * active or none).
 */
export interface AlarmOutput {
  set(on: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Opens the output named by the config's `alarmOutput` address, e.g. `gpio://27`. */
export type OpenAlarmOutput = (address: string) => Promise<AlarmOutput>;

/** No LED/buzzer configured: alarms still go to MQTT, the log and the status. */
export const noAlarmOutput: AlarmOutput = {
  set: async () => {},
  close: async () => {},
};
