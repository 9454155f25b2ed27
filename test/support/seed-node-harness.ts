/**
 * Runs the seed node's boot scripts exactly as the user data installs them, in a scratch directory: the files
 * are cut out of the rendered user data, settings point at the scratch directory, and `aws`, `nodeos`,
 * `iptables`, `systemctl` and `logger` are small recording stubs on PATH. nodeos's HTTP API (and the snapshot
 * host) is a node HTTP server on 127.0.0.1 ({@link FakeNodeos}).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { renderSeedNodeUserData, SeedNodeUserDataOptions, SEED_NODE_SCRIPTS } from '../../lib/constructs/seed-node-user-data';

/** Every file the user data writes (`cat > PATH <<'SEEDSHIELD_EOF'`), by target path. */
export function userDataFiles(userData: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of userData.matchAll(/^cat > (\S+) <<'SEEDSHIELD_EOF'\n([\s\S]*?)\nSEEDSHIELD_EOF$/gm)) files.set(m[1], `${m[2]}\n`);
  return files;
}

/** The option names of the pinned spring release (test/fixtures), by kind. */
export function springOptions(): { cfg: Set<string>; cli: Set<string> } {
  const cfg = new Set<string>();
  const cli = new Set<string>();
  const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'spring-1.2.2-options.txt'), 'utf8');
  for (const line of text.split('\n')) {
    const m = /^(cfg|cli) (\S+)$/.exec(line);
    if (m) (m[1] === 'cfg' ? cfg : cli).add(m[2]);
  }
  return { cfg, cli };
}

const STUBS: Record<string, string> = {
  aws: `echo "aws $1 $2" >>"$FAKE_DIR/calls"
case "$1 $2" in
  "ssm get-parameter") cat "$FAKE_DIR/ssm$4" ;;
  "secretsmanager get-secret-value") cat "$FAKE_DIR/secret" ;;
  "s3 cp") cp "$FAKE_DIR/s3/\${4#s3://}" "$5" ;;
  *) exit 2 ;;
esac`,
  // Records its command line, one argument per line, and exits like a clean nodeos stop.
  nodeos: 'printf "%s\\n" "$@" >"$FAKE_DIR/nodeos-args"',
  iptables: `echo "iptables $*" >>"$FAKE_DIR/calls"
case " $* " in
  *" -C "*) [[ -s "$FAKE_DIR/gate" ]] ;;
  *" -I "*) echo closed >"$FAKE_DIR/gate" ;;
  *" -D "*) : >"$FAKE_DIR/gate" ;;
esac`,
  systemctl: 'echo "systemctl $*" >>"$FAKE_DIR/calls"',
  logger: 'echo "logger $*" >>"$FAKE_DIR/calls"',
};

/** The outcome of one script run. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A scratch node: installed scripts, settings, stubs, data and config directories. */
export class ScratchNode {
  readonly root: string;
  readonly fake: string;
  readonly data: string;
  readonly conf: string;
  readonly etc: string;
  readonly lib: string;
  readonly bin: string;
  readonly stubs: string;

  constructor(options: SeedNodeUserDataOptions, runtime: Record<string, string> = {}) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-node-'));
    this.fake = this.mkdir('fake');
    this.data = this.mkdir('data');
    this.conf = this.mkdir('nodeos');
    this.etc = this.mkdir('etc');
    this.lib = this.mkdir('lib');
    this.bin = this.mkdir('bin');
    this.stubs = this.mkdir('stubs');
    const files = userDataFiles(renderSeedNodeUserData(options));
    for (const [name, target] of Object.entries(SEED_NODE_SCRIPTS)) {
      const dir = target.includes('/lib/') ? this.lib : this.bin;
      fs.writeFileSync(path.join(dir, name), files.get(target)!, { mode: 0o755 });
    }
    fs.writeFileSync(path.join(this.etc, 'nodeos-base.ini'), files.get('/etc/seedshield/nodeos-base.ini')!);
    if (files.has('/etc/seedshield/genesis.json')) fs.writeFileSync(path.join(this.etc, 'genesis.json'), files.get('/etc/seedshield/genesis.json')!);
    // The rendered settings, then the scratch paths (later assignments win when sourced).
    const overrides = {
      SEEDSHIELD_NODEOS_DATA_DIR: this.data,
      SEEDSHIELD_NODEOS_CONFIG_DIR: this.conf,
      SEEDSHIELD_GENESIS_FILE: path.join(this.etc, 'genesis.json'),
      SEEDSHIELD_CHAIN_CHECK_INTERVAL_SEC: '0.2',
    };
    fs.writeFileSync(
      path.join(this.etc, 'seed-node.env'),
      files.get('/etc/seedshield/seed-node.env')! + Object.entries(overrides).map(([k, v]) => `${k}='${v}'\n`).join(''),
    );
    this.writeRuntime({ SEEDSHIELD_PRIVATE_IP: '127.0.0.1', ...runtime });
    for (const [name, body] of Object.entries(STUBS)) {
      fs.writeFileSync(path.join(this.stubs, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    }
  }

  private mkdir(name: string): string {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Appends settings to seed-node.env (they win over the rendered ones, as the scripts source the file). */
  settings(values: Record<string, string>): void {
    fs.appendFileSync(path.join(this.etc, 'seed-node.env'), Object.entries(values).map(([k, v]) => `${k}='${v}'\n`).join(''));
  }

  /** runtime.env, as first-boot writes it. */
  writeRuntime(values: Record<string, string>): void {
    fs.writeFileSync(path.join(this.etc, 'runtime.env'), Object.entries(values).map(([k, v]) => `${k}='${v}'\n`).join(''));
  }

  /** A file under the fake AWS/stub directory (e.g. `ssm/seedshield/peers`, `secret`, `s3/bucket/key`). */
  fakeFile(relative: string, content: string | Buffer): void {
    const file = path.join(this.fake, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }

  /** What the stubs recorded, one call per line. */
  calls(): string[] {
    const file = path.join(this.fake, 'calls');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
  }

  /** The command line the nodeos stub was started with, or undefined if nodeos never ran. */
  nodeosArgs(): string[] | undefined {
    const file = path.join(this.fake, 'nodeos-args');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : undefined;
  }

  /** Whether the chain gate (the stubbed firewall rule) is closed. */
  gateClosed(): boolean {
    const file = path.join(this.fake, 'gate');
    return fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() === 'closed';
  }

  /** Runs an installed script (`bin/<name>`) or a bash snippet, asynchronously (the fake nodeos shares this event loop). */
  run(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
    const file = script.endsWith('.sh') ? path.join(this.bin, script) : '/bin/bash';
    const argv = script.endsWith('.sh') ? args : ['-c', script, ...args];
    return new Promise((resolve) => {
      execFile(
        file,
        argv,
        {
          env: {
            PATH: `${this.stubs}:${process.env.PATH}`,
            HOME: this.root,
            SEEDSHIELD_LIB: this.lib,
            SEEDSHIELD_ETC: this.etc,
            SEEDSHIELD_NODEOS_USER: os.userInfo().username,
            FAKE_DIR: this.fake,
            ...env,
          },
          timeout: 30000,
        },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** nodeos's HTTP API (get_info) and a snapshot host, on 127.0.0.1. */
export class FakeNodeos {
  chainId: string | undefined;
  /** Paths answered with these bodies; anything else is 404. */
  readonly files = new Map<string, Buffer>();
  readonly requests: string[] = [];
  #server: http.Server;

  constructor(chainId?: string) {
    this.chainId = chainId;
    this.#server = http.createServer((req, res) => {
      this.requests.push(req.url ?? '');
      if (req.url === '/v1/chain/get_info' && this.chainId !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ server_version: 'fake', chain_id: this.chainId, head_block_num: 42 }));
        return;
      }
      const body = this.files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404);
      res.end(body);
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
