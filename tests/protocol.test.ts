import { describe, expect, test } from "bun:test";
import { parseAuthReply, parseFreeSlot, parseFreeSlots, parseSelectionReply } from "../roles/patient/replies.ts";
import { formatFreeSlot, formatSelectionReply, no_such_index, parseRequest } from "../shared/protocol.ts";
import { parseQuoteReply, parseQuoteRequest } from "../shared/quote-protocol.ts";

describe("parseRequest", () => {
  test("reads the three commands", () => {
    expect(parseRequest("authenticate patient1 password111")).toEqual({
      kind: "authenticate",
      user: "patient1",
      password: "password111",
    });
    expect(parseRequest("available")).toEqual({ kind: "available" });
    expect(parseRequest("selection 3")).toEqual({ kind: "selection", index: 3 });
  });

  test("tolerates extra spaces between words", () => {
    expect(parseRequest("  selection   4 ")).toEqual({ kind: "selection", index: 4 });
  });

  test("indexes that cannot be in a schedule map to no_such_index, so they answer invalid", () => {
    for (const text of ["0", "-1", "99999999999999999999", "0000", "-0"]) {
      expect(parseRequest(`selection ${text}`)).toEqual({ kind: "selection", index: no_such_index });
    }
  });

  test("malformed requests are bad, with a reason", () => {
    const bad = [
      "",
      "   ",
      "selection",
      "selection abc",
      "selection 3 4",
      "selection 1.5",
      "authenticate a",
      "authenticate a b c",
      "available now",
      "HELLO",
      "delete 3",
      "selection \x01",
      "authenticate p\x00 x",
    ];
    for (const line of bad) {
      const r = parseRequest(line);
      expect(r.kind).toBe("bad");
      if (r.kind === "bad") expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  test("selection and slots take type=, and types is a command; malformed ones are usage errors", () => {
    expect(parseRequest("selection 3 type=followup")).toEqual({ kind: "selection", index: 3, type: "followup" });
    expect(parseRequest("slots type=first limit=2")).toEqual({ kind: "slots", type: "first", after: 0, limit: 2 });
    expect(parseRequest("types")).toEqual({ kind: "types" });
    for (const line of ["selection 3 type=", "selection 3 kind=first", "selection 3 type=a b", "selection 3 type=x!"])
      expect(parseRequest(line)).toEqual({ kind: "bad", reason: "usage: selection <index>" });
    for (const line of ["slots type=", "slots type=a type=b", "slots type=x!"])
      expect(parseRequest(line).kind).toBe("bad");
    expect(parseRequest("types now")).toEqual({ kind: "bad", reason: "usage: types" });
  });
});

describe("replies", () => {
  test("format and parse a booked selection with and without a host", () => {
    const text = formatSelectionReply({ kind: "booked", doctor: "doc2", port: 42000 });
    expect(text).toBe("doc2 42000\n");
    expect(parseSelectionReply(text.trim())).toEqual({
      ok: true,
      value: { kind: "booked", doctor: "doc2", port: 42000 },
    });
    const withHost = formatSelectionReply({ kind: "booked", doctor: "doc1", port: 41000, host: "192.0.2.2" });
    expect(parseSelectionReply(withHost.trim())).toEqual({
      ok: true,
      value: { kind: "booked", doctor: "doc1", port: 41000, host: "192.0.2.2" },
    });
  });

  test("notavailable, invalid and server errors", () => {
    expect(parseSelectionReply("notavailable")).toEqual({ ok: true, value: { kind: "notavailable" } });
    expect(parseSelectionReply("invalid")).toEqual({ ok: true, value: { kind: "invalid" } });
    const err = parseSelectionReply("error authenticate first");
    expect(err.ok).toBe(false);
    if (!err.ok) expect(err.error).toContain("authenticate first");
    expect(parseSelectionReply("doc1 99999").ok).toBe(false);
  });

  test("auth replies", () => {
    expect(parseAuthReply("success")).toEqual({ ok: true, value: true });
    expect(parseAuthReply("failure")).toEqual({ ok: true, value: false });
    expect(parseAuthReply("SUCCESS").ok).toBe(false);
  });

  test("free slot lines round-trip", () => {
    const slot = { index: 12, day: "Mon", time: "03pm" };
    expect(parseFreeSlot(formatFreeSlot(slot).trim())).toEqual({ ok: true, value: slot });
    expect(parseFreeSlot("x Mon 03pm").ok).toBe(false);
    expect(parseFreeSlot("1 Mon").ok).toBe(false);
  });

  test("a list reply is read in one pass; its first bad line is the error", () => {
    const lines = ["1 Mon 01am", "7 Tue 13:00 2026-12-08", "0 Mon 02am", "x Mon 03pm"];
    expect(parseFreeSlots(lines.slice(0, 2))).toEqual({
      ok: true,
      value: [
        { index: 1, day: "Mon", time: "01am" },
        { index: 7, day: "Tue", time: "13:00 2026-12-08" },
      ],
    });
    const bad = parseFreeSlots(lines);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toContain("0 Mon 02am");
    expect(parseFreeSlots(["1 Mon 01am extra"]).ok).toBe(false);
    expect(parseFreeSlots(["1 Mon 01am 2026-12-08 x"]).ok).toBe(false);
    expect(parseFreeSlots([])).toEqual({ ok: true, value: [] });
  });
});

describe("quotes", () => {
  test("classic and named requests", () => {
    expect(parseQuoteRequest("insurance1")).toEqual({ insurance: "insurance1" });
    expect(parseQuoteRequest("patient1 insurance1\n")).toEqual({ patient: "patient1", insurance: "insurance1" });
    expect(parseQuoteRequest("")).toBeUndefined();
    // A third word is an appointment type (its own price where the doctor has one); a fourth is not a request.
    expect(parseQuoteRequest("patient1 insurance1 first")).toEqual({
      patient: "patient1",
      insurance: "insurance1",
      type: "first",
    });
    expect(parseQuoteRequest("a b c d")).toBeUndefined();
    expect(parseQuoteRequest("\x00\x01")).toBeUndefined();
  });

  test("replies", () => {
    expect(parseQuoteReply("40")).toBe(40);
    expect(parseQuoteReply("unknown")).toBe("unknown");
    expect(parseQuoteReply("forty")).toBeUndefined();
  });
});
