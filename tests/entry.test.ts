// The roles' entry files called in-process: importing one starts nothing, and main maps input to exit codes.
import { expect, test } from "bun:test";
import { describeFailure } from "../shared/cli.ts";
import { Cancelled, ConfigError, DataError, NetworkError, UsageError, exit_code } from "../shared/errors.ts";
import { main as doctorMain } from "../roles/doctor.ts";
import { main as patientMain } from "../roles/patient.ts";
import { main as serverMain } from "../roles/healthcenterserver.ts";

test("importing an entry file runs nothing; --version answers in-process with exit 0", async () => {
  for (const main of [doctorMain, patientMain, serverMain]) expect(await main(["--version"])).toBe(exit_code.done);
});

test("a bad flag is a usage error (exit 2) raised in-process, with a hint to --help", async () => {
  const err = await patientMain(["patient1", "--slot", "x"]).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  expect(describeFailure("patient", err)).toEqual({
    code: 2,
    message: expect.stringContaining("(`patient --help` for usage)"),
  });
});

test("each kind of error carries its own exit code; a bug is 70, not 'refused'", () => {
  expect(describeFailure("x", new UsageError("u")).code).toBe(2);
  expect(describeFailure("x", new DataError("f", 3, "bad")).code).toBe(2);
  expect(describeFailure("x", new ConfigError("c")).code).toBe(2);
  expect(describeFailure("x", new NetworkError("n")).code).toBe(3);
  const cancelled = describeFailure("x", new Cancelled("Cancelled; nothing was booked."));
  expect(cancelled).toEqual({ code: 130, message: "Cancelled; nothing was booked." });
  const bug = describeFailure("x", new TypeError("undefined is not a function"));
  expect(bug.code).toBe(70);
  expect(bug.code).not.toBe(exit_code.refused);
});
