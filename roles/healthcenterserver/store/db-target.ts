// What `--db` names: a SQLite file (the default), or a PostgreSQL database shared by several servers.
// A password never comes from the command line (it would show in `ps`): a file, or PGPASSWORD.
import { UsageError } from "../../../shared/errors.ts";
import { readFlagFile } from "../../../shared/regular-file.ts";

export type PostgresTarget = {
  kind: "postgres";
  /** The URL without any password, as given. */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string | undefined;
  /** host:port/database: what log lines and errors name. */
  shown: string;
};
export type DbTarget = { kind: "sqlite"; path: string } | PostgresTarget;

const pg_default_port = 5432;

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/** `postgres://USER@HOST[:PORT]/DB[?sslmode=...]`, or a file path for SQLite. */
export function parseDbTarget(text: string): DbTarget {
  if (!isPostgresUrl(text)) return { kind: "sqlite", path: text };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `--db: ${JSON.stringify(text)} is not a valid postgres:// URL (postgres://USER@HOST[:PORT]/DB)`,
    );
  }
  if (url.password !== "") {
    throw new UsageError(
      "--db: a password in the URL would be visible to every user of this machine; " +
        "use --db-password-file FILE or PGPASSWORD",
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/"))
    throw new UsageError(`--db: name the database: postgres://USER@HOST[:PORT]/DB, not ${JSON.stringify(text)}`);
  const host = url.hostname.replace(/^\[|\]$/g, "") || "localhost";
  const port = url.port === "" ? pg_default_port : Number(url.port);
  const user = url.username === "" ? undefined : decodeURIComponent(url.username);
  return { kind: "postgres", url: text, host, port, database, user, shown: `${host}:${port}/${database}` };
}

/** The password from --db-password-file (first line), else PGPASSWORD, else none (trust or peer auth). */
export function readDbPassword(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file !== undefined) {
    const password = readFlagFile("--db-password-file", file).split(/\r?\n/)[0]!;
    if (password === "") throw new UsageError(`--db-password-file: ${file} is empty`);
    return password;
  }
  return env.PGPASSWORD;
}
