/**
 * Runs the chaincode the way chaincode-as-a-service does: from its own packed package (`npm pack`), with a
 * node_modules holding only its declared `dependencies` and their dependencies, started by its package.json
 * `start` script. Nothing of the monorepo is reachable from there, so a `@coldtrail/*` import the bundle failed
 * to inline fails to load. Not compiled into the package (see tsconfig exclude).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export interface PackedChaincode {
  /** The unpacked package, as a chaincode image would hold it. */
  dir: string;
  /** The files `npm pack` put in the tarball, relative to the package root. */
  files: string[];
  /** The packages installed beside it, by name. */
  installed: string[];
  remove(): void;
}

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bin?: string | Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Runs a tool this test needs; a missing tool fails the test naming it. */
function run(tool: string, args: string[], cwd: string): string {
  try {
    return execFileSync(tool, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`this test needs \`${tool}\` on PATH`, { cause: err });
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent directory's. */
function findPackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * `manifest`'s dependencies, transitively, as installed under the repository: package name -> directory of the
 * outermost copies (a nested node_modules travels with the package that holds it).
 */
function dependencyClosure(manifest: Manifest, fromDir: string): Map<string, string> {
  const found = new Set<string>();
  const visit = (m: Manifest, dir: string) => {
    const optional = new Set(Object.keys(m.optionalDependencies ?? {}));
    for (const name of [...Object.keys(m.dependencies ?? {}), ...optional]) {
      const pkgDir = findPackage(name, dir);
      if (!pkgDir) {
        if (optional.has(name)) continue;
        throw new Error(`${m.name} depends on ${name}, which is not installed: run npm ci`);
      }
      if (found.has(pkgDir)) continue;
      found.add(pkgDir);
      visit(readManifest(pkgDir), pkgDir);
    }
  };
  visit(manifest, fromDir);
  const top = new Map<string, string>();
  for (const pkgDir of found) {
    const nested = [...found].some((other) => other !== pkgDir && pkgDir.startsWith(`${other}/`));
    if (nested) continue;
    const name = readManifest(pkgDir).name;
    const clash = top.get(name);
    if (clash && clash !== pkgDir) throw new Error(`two installed copies of ${name}: ${clash}, ${pkgDir}`);
    top.set(name, pkgDir);
  }
  return top;
}

/**
 * `npm pack`s the package in `packageDir`, unpacks it into a temp dir and copies in the closure of its
 * `dependencies` from the repository's node_modules, with the `.bin` links npm would make for them.
 */
export function packChaincode(packageDir: string): PackedChaincode {
  const root = mkdtempSync(join(tmpdir(), 'coldtrail-chaincode-'));
  try {
    const [packed] = JSON.parse(
      run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], packageDir),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (!packed) throw new Error('npm pack reported no tarball');
    run('tar', ['-xzf', join(root, packed.filename), '-C', root], root);
    const dir = join(root, 'package');
    const manifest = readManifest(dir);
    const modules = join(dir, 'node_modules');
    const closure = dependencyClosure(manifest, packageDir);
    for (const [name, from] of closure) {
      cpSync(from, join(modules, name), { recursive: true, verbatimSymlinks: true });
    }
    mkdirSync(join(modules, '.bin'), { recursive: true });
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const { bin } = readManifest(join(modules, name));
      const bins = typeof bin === 'string' ? { [name]: bin } : (bin ?? {});
      for (const [cmd, file] of Object.entries(bins)) {
        symlinkSync(relative(join(modules, '.bin'), join(modules, name, file)), join(modules, '.bin', cmd));
      }
    }
    return {
      dir,
      files: packed.files.map((f) => f.path),
      installed: [...closure.keys()].sort(),
      remove: () => rmSync(root, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

export interface ChaincodeServer {
  /** host:port the chaincode server listens on. */
  address: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Stops the process (and the npm and shell above it); idempotent. */
  close(): Promise<void>;
}

// fabric-shim lib/server.js logs this at debug level once grpc-js has bound the listening socket.
const BOUND = /ChaincodeServer successfully bound to (\d+)/;

/**
 * `npm start` in the package dir with CHAINCODE_SERVER_ADDRESS / CHAINCODE_ID, as a chaincode image runs it.
 * It listens on 127.0.0.1 port 0 and reports the port the OS gave it, so no port is guessed.
 * NODE_OPTIONS=--no-experimental-require-module makes this Node behave as one before 20.19 does: require()
 * of an ES module fails, so only a CommonJS `main` loads.
 */
export function startChaincodeServer(dir: string, chaincodeId: string): Promise<ChaincodeServer> {
  const env: NodeJS.ProcessEnv = {};
  // The npm running these tests exports its config (npm_config_*, npm_package_*); the chaincode's npm must not inherit it.
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_|^INIT_CWD$/i.test(k)) env[k] = v;
  Object.assign(env, {
    CHAINCODE_SERVER_ADDRESS: '127.0.0.1:0',
    CHAINCODE_ID: chaincodeId,
    CORE_CHAINCODE_LOGGING_LEVEL: 'DEBUG',
    NODE_OPTIONS: '--no-experimental-require-module',
  });
  const child: ChildProcess = spawn('npm', ['start'], { cwd: dir, env, detached: true, stdio: 'pipe' });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM'); // the whole group: npm, sh and node
        } catch {
          // already gone
        }
      }
      await exited;
    })();
    return closed;
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      void close();
      reject(new Error(`chaincode server did not start: ${why}\n--- its output ---\n${out}`));
    };
    const deadline = setTimeout(() => fail('no listening port reported within 20 s'), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = BOUND.exec(out);
      if (m && !settled) {
        settled = true;
        clearTimeout(deadline);
        resolve({ address: `127.0.0.1:${m[1]}`, output: () => out, close });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(deadline);
      fail((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'this test needs `npm` on PATH' : String(err));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(deadline);
      fail(`it exited (${signal ?? `code ${code}`})`);
    });
  });
}
