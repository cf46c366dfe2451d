// One throwaway PostgreSQL cluster per test file: started before the file's first test, stopped after
// its last, once the servers the file started (pushed on `running`) are killed. Where PostgreSQL is
// missing and cannot be installed, the file's tests are skipped with why (`pgTest` is `test.skip`).
import { afterAll, beforeAll, test } from "bun:test";
import type { Running } from "./helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";

export type PostgresFile = {
  /** `test`, or `test.skip` where PostgreSQL is missing. */
  pgTest: typeof test;
  /** The servers the file starts: killed before the cluster stops. */
  running: Running[];
  /** The cluster (only inside tests: it starts before the first). */
  readonly pg: Postgres;
};

/** `cleanup` runs after the servers are killed, before the cluster stops (temp folders, receivers). */
export function postgresForFile(cleanup: () => void = () => {}): PostgresFile {
  const found = postgresBin();
  if ("missing" in found) console.warn(`skipping the PostgreSQL tests: ${found.missing}`);
  let pg: Postgres | undefined;
  const running: Running[] = [];
  beforeAll(() => {
    if ("bin" in found) pg = startPostgres(found.bin);
  }, 60_000);
  afterAll(async () => {
    for (const r of running) r.proc.kill("SIGKILL");
    await Promise.all(running.map((r) => r.proc.exited));
    cleanup();
    pg?.stop();
  }, 60_000);
  return {
    pgTest: "missing" in found ? test.skip : test,
    running,
    get pg(): Postgres {
      if (pg === undefined) throw new Error("the PostgreSQL cluster is not running");
      return pg;
    },
  };
}
