// Who the patient is: the user name and password (a file, a prompt or standard input) and the
// insurance plan (a flag or a data file), read before anything is sent.
import * as pc from "../../shared/colors.ts";
import { nodeFs } from "../../shared/lazy-fs.ts";
import { parseCredentials, parseInsurance, type Credentials } from "../../shared/datafiles.ts";
import { describeDataDir, hasFile, pathOf, readDataFile, type DataDir } from "../../shared/datadir.ts";
import { Cancelled, UsageError } from "../../shared/errors.ts";
import { readFlagFile } from "../../shared/regular-file.ts";
import { token_pattern } from "../../shared/tokens.ts";
import type { StdinLines } from "../../shared/stdin-lines.ts";

/** The patient's flags this file reads. */
export type IdentityFlags = { insurance?: string; "password-file"?: string; user?: string };

export function readInsurance(values: IdentityFlags, data: DataDir, name: string): string {
  if (values.insurance !== undefined) {
    // Checked before anything is booked: a plan the doctor cannot read would cost a booking a silent wait.
    if (!token_pattern.test(values.insurance))
      throw new UsageError(`--insurance must be one word of printable ASCII, not ${JSON.stringify(values.insurance)}`);
    return values.insurance;
  }
  const file = `${name}insurance.txt`;
  if (!hasFile(data, file))
    throw new UsageError(`no insurance plan for ${name}: give --insurance PLAN or put ${file} in --data DIR`);
  return parseInsurance(pathOf(data, file), readDataFile(data, file));
}

export async function readCredentials(
  values: IdentityFlags,
  data: DataDir,
  name: string,
  interactive: boolean,
  input: StdinLines | undefined,
): Promise<Credentials> {
  if (values["password-file"]) {
    const path = values["password-file"];
    warnIfShared(path);
    const password = readFlagFile("--password-file", path).split("\n")[0]!.trim();
    if (!password) throw new UsageError(`${path} holds no password`);
    return { user: name, password };
  }
  if (values.user) {
    if (interactive) {
      const { password, isCancel } = await import("@clack/prompts");
      const answer = await password({ message: `Password for ${name}` });
      if (isCancel(answer)) {
        throw new Cancelled("Cancelled; nothing was booked.");
      }
      return { user: name, password: answer };
    }
    const line = await input!.next();
    if (!line) throw new UsageError(`no password on standard input for ${name}`);
    return { user: name, password: line.trim() };
  }
  const file = `${name}.txt`;
  if (!hasFile(data, file))
    throw new UsageError(
      `no credentials for ${name}: no ${file} in ${describeDataDir(data)} (use --user NAME to be asked for a password)`,
    );
  if (data.dir) warnIfShared(pathOf(data, file));
  return parseCredentials(pathOf(data, file), readDataFile(data, file));
}

function warnIfShared(path: string): void {
  try {
    if ((nodeFs().statSync(path).mode & 0o077) !== 0) {
      console.error(
        `${pc.yellow("warning:")} ${path} holds a password and others can read it; run \`chmod 600 ${path}\``,
      );
    }
  } catch {
    // readFlagFile reports a missing file.
  }
}
