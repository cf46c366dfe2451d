// The server's data files: read and checked at start-up, and read again on SIGHUP. A reload
// takes users.txt (a user added with `users add` logs in without a restart) and checks the price
// files; a broken file is reported and what was loaded before is kept. The schedule is not
// reloaded: bookings are keyed by slot index, so renumbering needs a restart.
import { AppError, DataError } from "../../../shared/errors.ts";
import { parsePrices, parseUsers, type User } from "../../../shared/datafiles.ts";
import { checkDoctorsKnown, parseSlotTable } from "../../../shared/slot-file.ts";
import type { SlotTable } from "../../../shared/slot-table.ts";
import { describeDataDir, doctorsWithPrices, pathOf, readDataFile, type DataDir } from "../../../shared/datadir.ts";
import type { Log } from "../../../shared/log.ts";
import type { DoctorLocation } from "../../../shared/endpoints.ts";
import { schedule_slots_max, users_parse_step_lines } from "../../../shared/limits.ts";

export type LoadedData = {
  users: User[];
  slots: SlotTable /** doctors with a price file at start-up */;
  priced: Set<string>;
};

/** Users and slots, with every slot's doctor known (a price file or a configured location). */
export function loadData(data: DataDir, doctors: Map<string, DoctorLocation>): LoadedData {
  const users = readUsers(data);
  const slotsText = readDataFile(data, "availabilities.txt");
  const slots = parseSlotTable(pathOf(data, "availabilities.txt"), slotsText);
  // Under the file's cap fit more slots than a patient reads in one list: every `available` would be refused.
  if (slots.length > schedule_slots_max)
    throw new DataError(
      pathOf(data, "availabilities.txt"),
      undefined,
      `holds ${slots.length} slots, more than the ${schedule_slots_max} a patient reads in one list; ` +
        "split the schedule between servers",
    );
  const priced = checkPriceFiles(data, slots);
  const known = new Set(priced);
  for (const name of doctors.keys()) known.add(name);
  checkDoctorsKnown(
    pathOf(data, "availabilities.txt"),
    slotsText,
    slots,
    known,
    `no <doctor>.txt in ${describeDataDir(data)} and no --doctor or config entry`,
  );
  return { users, slots, priced };
}

function readUsers(data: DataDir): User[] {
  return parseUsers(pathOf(data, "users.txt"), readDataFile(data, "users.txt"));
}

/** The server does not quote, but a broken price file is better found now than by a patient.
 * Returns the doctors with one. */
function checkPriceFiles(data: DataDir, slots: SlotTable): Set<string> {
  const known = doctorsWithPrices(data, slots.doctors.list);
  for (const name of known) parsePrices(pathOf(data, `${name}.txt`), readDataFile(data, `${name}.txt`));
  return known;
}

/** What an operator should hear about users.txt: no users at all, or plaintext passwords. */
export function warnAboutUsers(users: User[], data: DataDir, log: Log): void {
  const dir = data.dir ?? "DIR";
  if (users.length === 0) {
    log.warn(
      `${pathOf(data, "users.txt")} has no users, so no patient can log in; add one with ` +
        `\`healthcenterserver users add <name> --data ${dir}\` and send this server SIGHUP`,
    );
    return;
  }
  const plain = users.filter((u) => u.secret.kind === "plain").length;
  if (plain === 0) return;
  if (!data.dir) {
    log.warn(
      `the embedded seed users' passwords are in every copy of this program; for real use, write a data ` +
        `directory with \`healthcenterserver init DIR\` (new passwords, argon2id hashes) and start with --data DIR`,
    );
    return;
  }
  log.warn(
    `${plain} of ${users.length} users in ${pathOf(data, "users.txt")} have plaintext passwords; ` +
      `hash them all with \`healthcenterserver users convert --data ${dir}\`, or one at a time with ` +
      `\`healthcenterserver users add <name> --data ${dir}\``,
  );
}

/** users.txt parsed a step at a time, the event loop turning between steps: a reload never stalls patients. */
async function readUsersInSteps(data: DataDir): Promise<User[]> {
  const file = pathOf(data, "users.txt");
  const lines = readDataFile(data, "users.txt").split("\n");
  const users: User[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i += users_parse_step_lines) {
    const step = lines.slice(i, i + users_parse_step_lines).join("\n");
    for (const u of parseUsers(file, step, { firstLine: i + 1, seen })) users.push(u);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return users;
}

let reloading = false;

/**
 * SIGHUP: each file is taken only if it reads and parses whole; a broken one is reported and the
 * old data kept, and a price file there at start-up that is gone now is reported too.
 */
export async function reloadData(
  data: DataDir,
  loaded: Pick<LoadedData, "slots" | "priced">,
  log: Log,
  useUsers: (users: User[]) => void,
): Promise<void> {
  if (!data.dir) {
    log.notice("Received SIGHUP: the data is the embedded seed, which does not change; nothing reloaded");
    log.flush();
    return;
  }
  if (reloading) {
    log.notice("Received SIGHUP while reloading: the reload under way reads the files as they are now");
    return;
  }
  reloading = true;
  const reloaded: string[] = [];
  const failed = (what: string, err: unknown) =>
    log.error(
      `SIGHUP: ${what} not reloaded, the data loaded before is kept: ` +
        (err instanceof AppError ? err.message : String(err)),
      { cause: "reloads" },
    );
  try {
    const users = await readUsersInSteps(data);
    useUsers(users);
    reloaded.push(`reloaded ${users.length} users from ${pathOf(data, "users.txt")}`);
    warnAboutUsers(users, data, log);
  } catch (err) {
    failed("users.txt", err);
  } finally {
    reloading = false;
  }
  try {
    const now = checkPriceFiles(data, loaded.slots);
    reloaded.push(`${now.size} price files checked`);
    for (const name of loaded.priced)
      if (!now.has(name))
        log.error(
          `SIGHUP: ${pathOf(data, `${name}.txt`)} is gone (it was there at start-up); ` +
            `patients booking ${name} still reach the doctor, but put the file back before the next start`,
          { cause: "reloads" },
        );
  } catch (err) {
    failed("the price files", err);
  }
  log.notice(`Received SIGHUP: ${reloaded.join(", ") || "reloaded nothing"}; still serving`);
  log.flush();
}
