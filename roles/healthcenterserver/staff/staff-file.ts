// staff.txt in the data directory: read at start-up and on SIGHUP. No data directory, or no file:
// no accounts (the page then signs in only with the token, if there is one).
import { hasFile, pathOf, readDataFile, type DataDir } from "../../../shared/datadir.ts";
import { AppError } from "../../../shared/errors.ts";
import type { Log } from "../../../shared/log.ts";
import { parseStaff, type StaffAccount } from "./accounts.ts";

type StaffPageLike = { replaceAccounts(a: readonly StaffAccount[]): void };

export function readStaffFile(data: DataDir): StaffAccount[] {
  if (!data.dir || !hasFile(data, "staff.txt")) return [];
  return parseStaff(pathOf(data, "staff.txt"), readDataFile(data, "staff.txt"));
}

/** SIGHUP: a staff.txt that reads and parses whole replaces the accounts; a broken one is reported. */
export function reloadStaff(data: DataDir, page: StaffPageLike | undefined, log: Log): void {
  if (!data.dir || !page) return;
  try {
    const accounts = readStaffFile(data);
    page.replaceAccounts(accounts);
    log.notice(`Received SIGHUP: reloaded ${accounts.length} staff accounts from ${pathOf(data, "staff.txt")}`);
  } catch (err) {
    log.error(
      "SIGHUP: staff.txt not reloaded, the accounts loaded before are kept: " +
        (err instanceof AppError ? err.message : String(err)),
      { cause: "reloads" },
    );
  }
  log.flush();
}
