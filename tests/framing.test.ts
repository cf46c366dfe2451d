import { expect, test } from "bun:test";
import { LineFramer } from "../shared/framing.ts";

function feed(framer: LineFramer, chunks: (string | Uint8Array)[]) {
  const lines: string[] = [];
  const events = chunks.map((c) => framer.push(typeof c === "string" ? Buffer.from(c, "latin1") : c, (l) => {
    lines.push(l);
  }));
  return { lines, events };
}

test("a line split into single bytes comes out whole", () => {
  const text = "authenticate patient1 password111\n";
  const { lines } = feed(new LineFramer(), [...text]);
  expect(lines).toEqual(["authenticate patient1 password111"]);
});

test("coalesced lines come out one by one, with \\r\\n accepted", () => {
  const { lines } = feed(new LineFramer(), ["available\r\nselection 2\nsel", "ection 3\n"]);
  expect(lines).toEqual(["available", "selection 2", "selection 3"]);
});

test("a line of exactly the limit passes; one byte more overflows", () => {
  const max = 16;
  expect(feed(new LineFramer(max), ["a".repeat(max) + "\n"]).lines).toEqual(["a".repeat(max)]);
  expect(feed(new LineFramer(max), ["a".repeat(max) + "\r\n"]).lines).toEqual(["a".repeat(max)]);
  expect(feed(new LineFramer(max), ["a".repeat(max + 1) + "\n"]).events).toEqual(["overflow"]);
});

test("an endless line without a newline overflows once it passes the limit, holding no more than the limit", () => {
  const framer = new LineFramer(1024);
  const events: string[] = [];
  for (let i = 0; i < 100; i++) events.push(framer.push(Buffer.alloc(100, 65), () => {}));
  expect(events.indexOf("overflow")).toBe(10);
  expect(framer.pendingBytes).toBeLessThanOrEqual(1025);
});

test("an overflow in a later chunk of a split line is caught", () => {
  const framer = new LineFramer(8);
  expect(framer.push(Buffer.from("abcdef"), () => {})).toBe("ok");
  expect(framer.push(Buffer.from("ghijk\n"), () => {})).toBe("overflow");
});
