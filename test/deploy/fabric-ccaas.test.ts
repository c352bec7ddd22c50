import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * deploy/fabric/ as a Fabric operator uses it, without Docker (none runs here): the chaincode image's Dockerfile
 * copies only paths that exist and a workspace manifest for every workspace (else `npm ci` fails in the image),
 * its build stage makes the bundle the package's `main` names and `npm pack` ships, and its command is the
 * package's `start` script. That the packed bundle starts as a chaincode server and serves a peer is
 * ledger-sync/chaincode/src/chaincode-server.test.ts (npm pack, unpack beside only the fabric dependencies,
 * `npm start` on 127.0.0.1 port 0, REGISTER/TRANSACTION over protos.Chaincode/Connect): the runtime stage
 * here repeats exactly those steps, so that test is not duplicated. package-ccaas.sh is run for real and its
 * tarballs are read back with tar.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const fabric = (f: string) => join(repo, 'deploy', 'fabric', f);
const chaincodeDir = join(repo, 'ledger-sync', 'chaincode');
const tmp = mkdtempSync(join(tmpdir(), 'coldtrail-fabric-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function need(tool: string, apt: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!found) throw new Error(`${tool} is needed for the deploy tests: apt-get install -y ${apt}`);
}

interface Instruction {
  stage: number;
  op: string;
  args: string;
}

/** The Dockerfile's instructions (continuation lines joined, comments dropped), with the stage each is in. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  let stage = -1;
  const out: Instruction[] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m?.[1]) continue;
    if (m[1] === 'FROM') stage++;
    out.push({ stage, op: m[1], args: (m[2] ?? '').trim() });
  }
  return out;
}

const dockerfile = readFileSync(fabric('chaincode.Dockerfile'), 'utf8');
const steps = instructions(dockerfile);
/** COPY sources from the build context (not --from=stage). */
const contextCopies = steps
  .filter((s) => s.op === 'COPY' && !s.args.startsWith('--from='))
  .flatMap((s) => s.args.split(/\s+/).slice(0, -1));

describe('deploy/fabric/chaincode.Dockerfile', () => {
  it('has a build stage and a Node >= 20.19 slim runtime stage', () => {
    const froms = steps.filter((s) => s.op === 'FROM').map((s) => s.args);
    expect(froms).toHaveLength(2);
    const major = (image: string) => Number(/^node:(\d+)/.exec(image)?.[1]);
    expect(major(froms[0] ?? '')).toBeGreaterThanOrEqual(22);
    expect(froms[1]).toMatch(/^node:(2[2-9]|[3-9]\d)-bookworm-slim$/);
  });

  it('copies from the build context only paths that exist in the repository', () => {
    expect(contextCopies.length).toBeGreaterThan(0);
    const missing = contextCopies.filter((p) => !existsSync(join(repo, p)));
    expect(missing).toEqual([]);
  });

  it('copies every workspace manifest before `npm ci` (npm ci checks the lock against all of them)', () => {
    const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { workspaces: string[] };
    const ci = steps.findIndex((s) => s.op === 'RUN' && /\bnpm ci\b/.test(s.args));
    expect(ci).toBeGreaterThan(0);
    const before = steps
      .slice(0, ci)
      .filter((s) => s.op === 'COPY')
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    for (const file of [
      'package.json',
      'package-lock.json',
      ...root.workspaces.map((w) => `${w}/package.json`),
    ]) {
      expect(before, file).toContain(file);
    }
  });

  it('copies the sources of the chaincode and of every @coldtrail package its bundle inlines', () => {
    const pkg = JSON.parse(readFileSync(join(chaincodeDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // What the chaincode's tsc build imports from the workspace: its project references.
    const tsconfig = JSON.parse(readFileSync(join(chaincodeDir, 'tsconfig.json'), 'utf8')) as {
      references: Array<{ path: string }>;
    };
    const sources = [
      'ledger-sync/chaincode/',
      ...tsconfig.references.map((r) => `${join('ledger-sync/chaincode', r.path)}/`),
    ];
    for (const dir of sources) expect(contextCopies, dir).toContain(dir);
    // The runtime stage installs only the package's own dependencies: no workspace package among them.
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@coldtrail/'))).toEqual([]);
  });

  it('builds the bundle the package main names, and packs it: npm pack ships dist/chaincode.cjs', () => {
    const build = steps.find((s) => s.op === 'RUN' && s.args.includes('npm run build'));
    expect(build?.args).toMatch(/npm run build --workspace @coldtrail\/chaincode/);
    expect(build?.args).toMatch(/npm pack --workspace @coldtrail\/chaincode/);
    const manifest = JSON.parse(readFileSync(join(chaincodeDir, 'package.json'), 'utf8')) as {
      main: string;
      scripts: Record<string, string>;
    };
    expect(manifest.main).toBe('./dist/chaincode.cjs');
    expect(manifest.scripts.build).toBe('node build-bundle.js');
    const bundle = join(chaincodeDir, 'dist', 'chaincode.cjs');
    if (!existsSync(bundle))
      throw new Error(`${bundle} is missing: run \`npm run build\` at the repository root`);
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: chaincodeDir,
        encoding: 'utf8',
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    expect(packed?.files.map((f) => f.path).sort()).toEqual([
      'README.md',
      'dist/chaincode.cjs',
      'package.json',
    ]);
    // The runtime stage unpacks exactly this tarball name.
    const unpack = steps.find((s) => s.stage === 1 && s.op === 'RUN' && s.args.includes('tar -xzf'));
    const pattern = /tar -xzf \/tmp\/pack\/(\S+)/.exec(unpack?.args ?? '')?.[1] ?? '';
    expect(
      new RegExp(`^${pattern.replaceAll('.', '\\.').replace('*', '.*')}$`).test(packed?.filename ?? ''),
    ).toBe(true);
    // The bundle is CommonJS requiring only the fabric packages and Node built-ins (what the image installs).
    const required = [...readFileSync(bundle, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.filter((r) => r?.startsWith('@coldtrail/'))).toEqual([]);
    expect(required).toContain('fabric-contract-api');
  });

  it("runs the package's start script, with the two variables the peer side sets", () => {
    const manifest = JSON.parse(readFileSync(join(chaincodeDir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const cmd = steps.filter((s) => s.op === 'CMD').at(-1);
    const argv = JSON.parse(cmd?.args ?? '[]') as string[];
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).toBe(`exec node_modules/.bin/${manifest.scripts.start}`);
    expect(steps.some((s) => s.stage === 1 && s.op === 'USER' && s.args !== 'root')).toBe(true);
  });

  it('the .dockerignore beside it keeps host builds and modules out but none of the copied sources', () => {
    const ignore = readFileSync(fabric('chaincode.Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist']));
    const asRegExp = (p: string) =>
      new RegExp(`^${p.replaceAll('.', '\\.').replace('**/', '(.*/)?').replaceAll('*', '[^/]*')}(/|$)`);
    for (const src of contextCopies) {
      expect(
        ignore.filter((p) => asRegExp(p).test(src)),
        src,
      ).toEqual([]);
    }
  });
});

describe('deploy/fabric/package-ccaas.sh', () => {
  const script = fabric('package-ccaas.sh');
  const run = (...args: string[]) => spawnSync(script, args, { encoding: 'utf8' });
  const list = (tgz: string) => execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n');
  const member = (tgz: string, name: string) => execFileSync('tar', ['-xzOf', tgz, name]);

  it('parses (bash -n) and passes shellcheck', () => {
    need('shellcheck', 'shellcheck');
    expect(spawnSync('bash', ['-n', script]).status).toBe(0);
    const lint = spawnSync('shellcheck', [script], { encoding: 'utf8' });
    expect(lint.stdout).toBe('');
    expect(lint.status).toBe(0);
  });

  it('makes the layout the peer installs: metadata.json + code.tar.gz holding connection.json', () => {
    const out = join(tmp, 'default');
    const r = run('--out', out);
    expect(r.status, r.stderr).toBe(0);
    const tgz = join(out, 'coldtrail_1.0.tar.gz');
    expect(r.stdout.trim()).toBe(tgz);
    expect(list(tgz).sort()).toEqual(['code.tar.gz', 'metadata.json']);
    expect(JSON.parse(member(tgz, 'metadata.json').toString('utf8'))).toEqual({
      type: 'ccaas',
      label: 'coldtrail_1.0',
    });
    const code = join(tmp, 'code.tar.gz');
    execFileSync('sh', ['-c', `tar -xzOf "${tgz}" code.tar.gz > "${code}"`]);
    expect(list(code)).toEqual(['connection.json']);
    expect(JSON.parse(member(code, 'connection.json').toString('utf8'))).toEqual({
      address: '{{.peername}}_coldtrail_ccaas:9999',
      dial_timeout: '10s',
      tls_required: false,
    });
  });

  it('takes the address and label, and is reproducible (same inputs, same package id)', () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    for (const out of [a, b]) {
      const r = run('--address', 'chaincode.example.org:7052', '--label', 'coldtrail_2.0', '--out', out);
      expect(r.status, r.stderr).toBe(0);
    }
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(sha(join(a, 'coldtrail_2.0.tar.gz'))).toBe(sha(join(b, 'coldtrail_2.0.tar.gz')));
    const code = join(tmp, 'code2.tar.gz');
    execFileSync('sh', ['-c', `tar -xzOf "${join(a, 'coldtrail_2.0.tar.gz')}" code.tar.gz > "${code}"`]);
    expect(JSON.parse(member(code, 'connection.json').toString('utf8')).address).toBe(
      'chaincode.example.org:7052',
    );
    const meta = JSON.parse(member(join(a, 'coldtrail_2.0.tar.gz'), 'metadata.json').toString('utf8'));
    expect(meta.label).toBe('coldtrail_2.0');
  });

  it.each([
    ['--label', 'has space'],
    ['--label', '_leading'],
    ['--address', 'no-port'],
    ['--address', 'x"y:1'],
  ])('refuses %s %j with exit 2 and a message', (flag, value) => {
    const out = join(tmp, 'refused');
    const r = run(flag, value, '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/label|address/);
    expect(existsSync(out)).toBe(false);
  });

  it('the templates are the JSON the script fills in', () => {
    expect(JSON.parse(readFileSync(fabric('metadata.json'), 'utf8'))).toEqual({
      type: 'ccaas',
      label: 'coldtrail_1.0',
    });
    expect(Object.keys(JSON.parse(readFileSync(fabric('connection.json'), 'utf8'))).sort()).toEqual([
      'address',
      'dial_timeout',
      'tls_required',
    ]);
  });
});
