// One suite, every store: the cases of tests/store-cases.ts (the contract in
// roles/healthcenterserver/store/appointment-store.ts) run against the SQLite store on a file and
// against the PostgreSQL store on a real, throwaway PostgreSQL (tests/pg-helpers.ts). A store that
// may differ from the contract on purpose lists the case here, with why; none does today.
import { afterAll, beforeAll, describe, test } from "bun:test";
import { openSync } from "node:fs";
import { join } from "node:path";
import { parseSlots } from "../shared/slot-file.ts";
import { embedded } from "../shared/fixtures.ts";
import { Log } from "../shared/log.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";
import { openStore } from "../roles/healthcenterserver/store/open-store.ts";
import { tempDir } from "./helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";
import { runCase, store_cases, types_cases, type StoreSubject } from "./store-cases.ts";
import { calendarSubject } from "./calendar-store-subject.ts";
import { visit_cases } from "./visit-cases.ts";
import { audit_cases } from "./audit-cases.ts";

type Skip = { reason: string; cases: string[] };

const tmp = tempDir();
// Warnings (a reopened SQLite file is one this process already claimed) go nowhere.
const devNull = openSync("/dev/null", "w");
const log = new Log({ quiet: true, fd: devNull, errFd: devNull });
const schedule = () => new Schedule(parseSlots("availabilities.txt", embedded["availabilities.txt"]!));

/** Registers every case for one store, as hono's runTest does for a router. */
function runStoreCases(subject: () => StoreSubject, skip: Skip[] = [], when = true, cases = store_cases): void {
  const skipped = new Map(skip.flatMap((s) => s.cases.map((c) => [c, s.reason] as const)));
  for (const c of cases) {
    // The clinic's rules need dated slots: a weekday file's store has none, so they are not its cases.
    if (c.policy !== undefined && subject().calendar !== true) continue;
    const run = when && !skipped.has(c.name) ? test : test.skip;
    run(c.name, () => runCase(subject(), c), 30_000);
  }
}

let files = 0;
const sqlite: StoreSubject = {
  name: "SQLite",
  async fresh({ bookingsPerPatient }) {
    const path = join(tmp.dir, `store-${++files}.db`);
    const settings = { dbPath: path, dbPasswordFile: undefined, dbWaitMs: 0, bookingsPerPatient };
    return {
      store: await openStore(settings, schedule(), log),
      reopen: () => openStore(settings, schedule(), log),
    };
  },
};

const found = postgresBin();
const pgMissing = "missing" in found ? found.missing : undefined;
if (pgMissing) console.warn(`skipping the PostgreSQL store cases: ${pgMissing}`);
let pg: Postgres | undefined;
let databases = 0;
const postgres: StoreSubject = {
  name: "PostgreSQL",
  async fresh({ bookingsPerPatient }) {
    const name = `conformance_${++databases}`;
    pg!.createDatabase(name);
    const settings = { dbPath: pg!.url(name), dbPasswordFile: pg!.passwordFile, dbWaitMs: 0, bookingsPerPatient };
    return {
      store: await openStore(settings, schedule(), log),
      reopen: () => openStore(settings, schedule(), log),
    };
  },
};

beforeAll(() => {
  if ("bin" in found) pg = startPostgres(found.bin);
}, 60_000);
afterAll(() => {
  pg?.stop();
  tmp.cleanup();
}, 60_000);

describe("SQLite store", () => runStoreCases(() => sqlite));
describe("PostgreSQL store", () => runStoreCases(() => postgres, [], pgMissing === undefined));

// The calendar's store: appointments (doctor, start, length) in place of slot rows.
const sqliteCalendar = calendarSubject(
  "SQLite calendar",
  () => ({ dbPath: join(tmp.dir, `cal-${++files}.db`), dbPasswordFile: undefined }),
  log,
);
const pgCalendar = calendarSubject(
  "PostgreSQL calendar",
  () => {
    const name = `calendar_${++databases}`;
    pg!.createDatabase(name);
    return { dbPath: pg!.url(name), dbPasswordFile: pg!.passwordFile };
  },
  log,
);
const calendar_cases = [...store_cases, ...visit_cases, ...types_cases, ...audit_cases];
describe("SQLite calendar store", () => runStoreCases(() => sqliteCalendar, [], true, calendar_cases));
describe("PostgreSQL calendar store", () =>
  runStoreCases(() => pgCalendar, [], pgMissing === undefined, calendar_cases));
