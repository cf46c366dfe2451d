// A throwaway PostgreSQL for tests and the bench: Debian's packages, a fresh cluster in a temporary
// directory on a free loopback port, run as a non-root user (Postgres refuses to run as root),
// stopped and removed afterwards. No mocks: the server under test talks to a real Postgres.
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const pg_user = "postgres";
export const pg_role = "appt";
export const pg_password = "pg-test-secret";

export type Postgres = {
  host: string;
  port: number;
  /** `postgres://appt@127.0.0.1:PORT/DB`: no password in it, as the server wants. */
  url: (db: string) => string;
  /** A file holding the password, for --db-password-file. */
  passwordFile: string;
  /** Runs SQL as the superuser (psql), returns its output; throws on failure. */
  psql: (db: string, sql: string) => string;
  createDatabase: (name: string) => void;
  /** Stop immediately (like a crash: no checkpoint) and start again on the same port. */
  stopServer: () => void;
  startServer: () => void;
  stop: () => void;
  /** The postmaster and its children (backends, writers): for measuring the database's CPU. */
  serverPids: () => number[];
};

/** The installed version's bin directory (/usr/lib/postgresql/N/bin), installing the package if it is missing and we may. */
export function postgresBin(): { bin: string } | { missing: string } {
  const find = () => {
    const base = "/usr/lib/postgresql";
    if (!existsSync(base)) return undefined;
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    return versions[0] === undefined ? undefined : join(base, versions[0], "bin");
  };
  let bin = find();
  if (!bin && process.getuid?.() === 0 && Bun.which("apt-get")) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    Bun.spawnSync(["apt-get", "update", "-qq"], { env, stdout: "ignore", stderr: "ignore", timeout: 120_000 });
    Bun.spawnSync(["apt-get", "install", "-y", "-qq", "postgresql"], {
      env,
      stdout: "ignore",
      stderr: "ignore",
      timeout: 300_000,
    });
    bin = find();
  }
  if (!bin) return { missing: "PostgreSQL is not installed and could not be installed (apt-get install postgresql)" };
  if (process.getuid?.() === 0 && !hasUser(pg_user))
    return { missing: `running as root and there is no ${pg_user} user to run PostgreSQL as` };
  return { bin };
}

function hasUser(name: string): boolean {
  return Bun.spawnSync(["id", "-u", name], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
}

/** Runs a Postgres tool as the non-root user when we are root. */
function asPgUser(cmd: string[]): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", pg_user, "--", ...cmd] : cmd;
}

function run(cmd: string[], what: string, timeoutMs = 60_000): string {
  const r = Bun.spawnSync(asPgUser(cmd), {
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
    env: { ...process.env, LC_ALL: "C" },
  });
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr.toString()}${r.stdout.toString()}`);
  return r.stdout.toString();
}

/**
 * A free TCP port on 127.0.0.1 below the kernel's ephemeral range: PostgreSQL keeps it across a
 * restart, and while it is down no other program's outgoing connection or `--port 0` can take it.
 */
export function stablePort(): number {
  const range = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  const low = Math.max(2_000, (range[0] ?? 32_768) - 8_000);
  const high = (range[0] ?? 32_768) - 1;
  for (let tries = 0; tries < 50; tries++) {
    const port = low + Math.floor(Math.random() * (high - low));
    try {
      Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
      return port;
    } catch {
      // taken: try another
    }
  }
  return freeTcpPort();
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeTcpPort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** initdb + pg_ctl start on a free loopback port; password auth for the `appt` role. */
export function startPostgres(bin: string): Postgres {
  const dir = mkdtempSync(join(tmpdir(), "appt-pg-"));
  const data = join(dir, "data");
  const passwordFile = join(dir, "password");
  writeFileSync(passwordFile, pg_password + "\n");
  if (process.getuid?.() === 0) {
    const { uid, gid } = pgIds();
    chownSync(dir, uid, gid);
    chownSync(passwordFile, uid, gid);
  }
  chmodSync(dir, 0o700);
  chmodSync(passwordFile, 0o600);
  run(
    [
      join(bin, "initdb"),
      "-D",
      data,
      "-U",
      pg_role,
      `--pwfile=${passwordFile}`,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--no-sync",
      "-E",
      "UTF8",
    ],
    "initdb",
  );
  const port = stablePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=60 -c shared_buffers=32MB`;
  const pgctl = (...args: string[]) =>
    run([join(bin, "pg_ctl"), "-D", data, "-w", "-t", "30", ...args], `pg_ctl ${args[0]}`);
  const startServer = () => {
    try {
      pgctl("start", "-o", options, "-l", join(dir, "log"));
    } catch (err) {
      const log = existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8").slice(-2000) : "(no log)";
      throw new Error(`${(err as Error).message}\nPostgreSQL's log ends:\n${log}`);
    }
  };
  const stopServer = () => void pgctl("stop", "-m", "immediate");
  startServer();
  const psql = (db: string, sql: string) =>
    run(
      [
        join(bin, "psql"),
        "-h",
        dir,
        "-p",
        String(port),
        "-U",
        pg_role,
        "-d",
        db,
        "-v",
        "ON_ERROR_STOP=1",
        "-qAtX",
        "-c",
        sql,
      ],
      "psql",
    );
  let stopped = false;
  return {
    host: "127.0.0.1",
    port,
    passwordFile,
    psql,
    url: (db) => `postgres://${pg_role}@127.0.0.1:${port}/${db}`,
    createDatabase: (name) => void psql("postgres", `CREATE DATABASE ${name}`),
    stopServer,
    startServer,
    serverPids: () => {
      const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      const children = readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return Number(readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]!.split(" ")[1]) === postmaster;
          } catch {
            return false; // gone meanwhile
          }
        });
      return [postmaster, ...children.map(Number)];
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        stopServer();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pgIds(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(Bun.spawnSync(["id", flag, pg_user], { stdout: "pipe" }).stdout.toString().trim());
  return { uid: id("-u"), gid: id("-g") };
}
