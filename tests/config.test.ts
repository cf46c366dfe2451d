import { expect, test } from "bun:test";
import { parseConfig } from "../shared/config.ts";
import { parseHostPort } from "../shared/flags.ts";
import { ConfigError, UsageError } from "../shared/errors.ts";

test("a deployment file describes the server and each doctor; paths are relative to the file", () => {
  const raw = Bun.TOML.parse(`
data = "data"
[server]
host = "192.0.2.1"
port = 21000
db = "b.db"
[doctors.doc1]
host = "192.0.2.2"
port = 41000
`);
  const c = parseConfig(raw, "deploy.toml", "/srv/appt");
  expect(c.data).toBe("/srv/appt/data");
  expect(c.server).toEqual({ host: "192.0.2.1", port: 21000, db: "/srv/appt/b.db" });
  expect(c.doctors.get("doc1")).toEqual({ host: "192.0.2.2", port: 41000 });
});

test("mistakes in the file are usage errors that say where", () => {
  const bad = (toml: string) => () => parseConfig(Bun.TOML.parse(toml), "d.toml", "/");
  expect(bad(`[server]\nport = 70000`)).toThrow(/server.port must be a port number 0-65535/);
  expect(bad(`[server]\nport = -1`)).toThrow(/server.port must be a port number 0-65535/);
  expect(parseConfig(Bun.TOML.parse(`[server]\nport = 0`), "d.toml", "/").server.port).toBe(0);
  expect(bad(`[server]\nprot = 1`)).toThrow(
    /unknown key "prot" in \[server\] \(expected [^)]*\); did you mean port\?$/,
  );
  expect(bad(`[doctors.doc1]\nport = "x"`)).toThrow(ConfigError);
});

test("HOST:PORT forms", () => {
  expect(parseHostPort("server", "192.0.2.1:21001", 21000)).toEqual({ host: "192.0.2.1", port: 21001 });
  expect(parseHostPort("server", "example.test", 21000)).toEqual({ host: "example.test", port: 21000 });
  expect(parseHostPort("server", "[::1]:5", 21000)).toEqual({ host: "::1", port: 5 });
  expect(parseHostPort("server", "::1", 21000)).toEqual({ host: "::1", port: 21000 });
  expect(() => parseHostPort("server", "h:99999", 1)).toThrow(UsageError);
});

test("a bare 0 is zero for [policy]'s durations and [notify] reminder; another bare number names its unit", () => {
  const parse = (toml: string) => parseConfig(Bun.TOML.parse(toml), "d.toml", "/");
  expect(parse(`[policy]\nmin_notice = 0\ncancel_cutoff = "0"\nmark_grace = 0`).policy).toEqual({
    min_notice: "0",
    cancel_cutoff: "0",
    mark_grace: "0",
  });
  expect(parse(`[notify]\nreminder = 0`).notify.reminder).toBe("0");
  expect(() => parse(`[policy]\nmax_ahead = 8`)).toThrow(
    'config file d.toml: policy.max_ahead = 8 needs a unit: write "8m", "8h", "8d" or "8w"',
  );
  // A fraction or a negative number gets no suggestion that would be refused in turn ("1.5m", "-1m").
  for (const bad of ["1.5", "-1"])
    expect(() => parse(`[policy]\nmin_notice = ${bad}`)).toThrow(
      `config file d.toml: policy.min_notice = ${bad}: a duration is a whole number >= 0 with a unit, such as "90m" or "2h"`,
    );
});
