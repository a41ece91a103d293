// Starts the built Inkwell binary (bin/inkwell) on a free port with a fresh
// SQLite database in a temp dir, and stops it after the tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = process.env.INKWELL_BIN || join(ROOT, 'bin', 'inkwell');

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

/** startServer({env}) → {url, dir, stop(), logs()} */
export async function startServer({ env = {} } = {}) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`make build\` (make test-e2e does) first`);
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-e2e-'));
  const port = await freePort();
  let out = '';
  const child = spawn(BIN, ['serve'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      RUNMODE: 'dev',
      HTTP_PORT: String(port),
      DB_DRIVER: 'sqlite',
      SQLITE_PATH: join(dir, 'inkwell.db'),
      AUTH_DEV_LOGIN: 'true',
      STORAGE_URL: `file://${join(dir, 'media')}`,
      // Media URLs of a local folder start with it (docs/media.md).
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      // The flows sign in and write far faster than a person: budgets the
      // suite cannot exhaust (the limits have their own Go tests).
      RATE_LIMIT_DEV_LOGIN: '1000/1m',
      RATE_LIMIT_WRITES: '1000/1m',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((res) => child.on('exit', (code) => res(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 100))]);
    if (code !== undefined) throw new Error(`inkwell exited (${code}) before serving:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`inkwell did not answer /healthz within 20s:\n${out}`); }
  }
  return {
    url,
    dir,
    logs: () => out,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
