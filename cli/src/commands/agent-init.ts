import { constants } from 'node:fs';
import { access, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEVICE_KEY_FILE, loadOrCreateDeviceKey, parseAgentYaml, renderAgentYaml } from '@coldtrail/agent';
import { publicKeyPem } from '@coldtrail/core';
import { Exit, ExitError } from '../exit-codes.js';

export interface AgentInitOptions {
  dir: string;
  device: string;
  org: string;
  mqttUrl: string[];
  source?: string[];
  interval?: string;
  force?: boolean;
  json?: boolean;
}

/** What `agent init` lays down in DIR. */
export const AGENT_YAML = 'agent.yaml';
export const PUBLIC_KEY_FILE = 'public-key.pem';

/**
 * `coldtrail agent init`: a new device's home — DIR (0700), its Ed25519 key (0600, created once, never
 * replaced: a new key is a new identity the ledger does not know), the public key as PEM for the operator's
 * `device enroll`, and a documented agent.yaml that is validated before it is written. An existing key or
 * config is refused (exit 2); `--force` rewrites the config and keeps the key.
 */
export async function agentInit(opts: AgentInitOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const configPath = join(dir, AGENT_YAML);
  const yaml = renderAgentYaml({
    device: opts.device,
    org: opts.org,
    mqttUrls: opts.mqttUrl,
    sources: opts.source ?? [],
    interval: opts.interval ?? '60s',
  });
  // Validated as `agent start` will read it (no env overrides: they are the running agent's business).
  parseAgentYaml(yaml, { source: `agent init (would write ${configPath})`, baseDir: dir, env: {} });

  await refuseExisting(dir, configPath, opts.force === true);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = await loadOrCreateDeviceKey(dir);
  const pem = publicKeyPem(key.publicKey);
  await writeFileAtomic(join(dir, PUBLIC_KEY_FILE), pem, 0o644, true);
  await writeFileAtomic(configPath, yaml, 0o600, opts.force === true);

  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ device: opts.device, publicKey: pem, config: configPath })}\n`);
    return;
  }
  process.stdout.write(
    `device ${opts.device} (org ${opts.org}): ${key.created ? 'new key' : 'existing key kept'}, config ${configPath}\n` +
      `public key (also in ${join(dir, PUBLIC_KEY_FILE)}):\n${pem}` +
      `next: the operator enrolls it (coldtrail device enroll --org ${opts.org} --device ${opts.device} ` +
      `--public-key ${PUBLIC_KEY_FILE}), then run: coldtrail agent start --config ${configPath}\n`,
  );
}

async function refuseExisting(dir: string, configPath: string, force: boolean): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (st && !st.isDirectory()) {
    throw new ExitError(Exit.Usage, `--dir ${dir} is a file, not a directory: pass a new or empty directory`);
  }
  const keyPath = join(dir, DEVICE_KEY_FILE);
  const hasKey = await exists(keyPath);
  const hasConfig = await exists(configPath);
  if (hasKey && !force) {
    throw new ExitError(
      Exit.Usage,
      `${keyPath} already exists: this directory already belongs to a device, and its key is never overwritten ` +
        '(a new key is a new identity). Pass another --dir, or --force to rewrite only agent.yaml',
    );
  }
  if (hasConfig && !force) {
    throw new ExitError(Exit.Usage, `${configPath} already exists: pass --force to rewrite it`);
  }
}

const exists = (path: string) =>
  access(path, constants.F_OK).then(
    () => true,
    () => false,
  );

/**
 * Written whole or not at all (temp file, fsync, rename), so a power cut never leaves half a config. Without
 * `replace`, a file that appeared meanwhile is not replaced (link would be exact; an exists check suffices
 * for a file only `init` writes).
 */
async function writeFileAtomic(path: string, text: string, mode: number, replace: boolean): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (!replace && (await exists(path))) {
    await unlink(tmp);
    throw new ExitError(Exit.Usage, `${path} already exists: pass --force to rewrite it`);
  }
  await rename(tmp, path);
}
