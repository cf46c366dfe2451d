import { expect, test } from "bun:test";
import { ChunkLineSplitter, LineFramer } from "../shared/framing.ts";

function feed(framer: LineFramer, chunks: (string | Uint8Array)[]) {
  const lines: string[] = [];
  const events = chunks.map((c) =>
    framer.push(typeof c === "string" ? Buffer.from(c, "latin1") : c, (l) => {
      lines.push(l);
    }),
  );
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

test("property: any split of the same bytes gives the same lines and events", () => {
  // A seeded generator, so a failure can be replayed.
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = ["a", "b", " ", "\n", "\r", "\r\n", "\u00ff", "available", "selection 12"];
  for (let round = 0; round < 500; round++) {
    let text = "";
    const pieces = random(40);
    for (let i = 0; i < pieces; i++) text += alphabet[random(alphabet.length)];
    const bytes = Buffer.from(text, "latin1");
    const max = 4 + random(30);
    const whole = feedUntilOverflow(new LineFramer(max), [bytes]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + random(8);
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    const split = feedUntilOverflow(new LineFramer(max), chunks);
    expect(split).toEqual(whole);
    for (const line of whole.lines) expect(line.length).toBeLessThanOrEqual(max);
    if (!whole.overflow) expect(whole.lines).toEqual(expectedLines(text));
  }
});

test("the chunk splitter (the patient's) cuts the same lines and overflows at the same chunk as LineFramer", () => {
  let seed = 777;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = ["a", "b", " ", "\n", "\r", "\r\n", "\u00ff", "\u0000", "12 Mon 09am", "error x"];
  for (let round = 0; round < 1000; round++) {
    let text = "";
    const pieces = random(60);
    for (let i = 0; i < pieces; i++) text += alphabet[random(alphabet.length)];
    const bytes = Buffer.from(text, "latin1");
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + random(20);
      // Plain Uint8Arrays too: a socket's data may come as either.
      const piece = bytes.subarray(at, at + size);
      chunks.push(random(2) ? piece : new Uint8Array(piece));
      at += size;
    }
    const max = 4 + random(30);
    const splitter = new ChunkLineSplitter(max);
    const lines: string[] = [];
    let overflowAt = -1;
    for (const [i, chunk] of chunks.entries()) {
      if (splitter.push(chunk, lines) === "overflow") {
        overflowAt = i;
        break;
      }
    }
    const framer = new LineFramer(max);
    const expected: string[] = [];
    let expectedAt = -1;
    for (const [i, chunk] of chunks.entries()) {
      if (framer.push(chunk, (l) => void expected.push(l)) === "overflow") {
        expectedAt = i;
        break;
      }
    }
    expect({ lines, overflowAt }).toEqual({ lines: expected, overflowAt: expectedAt });
  }
});

test("the chunk splitter keeps an unfinished line for the next chunk and caps it", () => {
  const splitter = new ChunkLineSplitter(8);
  const out: string[] = [];
  expect(splitter.push(Buffer.from("1 Mon 01am\n2 M"), out)).toBe("overflow");
  const ok = new ChunkLineSplitter(16);
  expect(ok.push(Buffer.from("1 Mon 01am\r\n2 M"), out)).toBe("ok");
  expect(ok.push(Buffer.from("on 02am\n\n"), out)).toBe("ok");
  expect(out).toEqual(["1 Mon 01am", "2 Mon 02am", ""]);
  expect(new ChunkLineSplitter(8).push(Buffer.from("abcdefghij"), [])).toBe("overflow");
});

/** Feeds chunks until the framer reports an overflow (after which a connection is closed). */
function feedUntilOverflow(framer: LineFramer, chunks: Buffer[]): { lines: string[]; overflow: boolean } {
  const lines: string[] = [];
  for (const chunk of chunks) {
    if (
      framer.push(chunk, (l) => {
        lines.push(l);
      }) === "overflow"
    )
      return { lines, overflow: true };
  }
  return { lines, overflow: false };
}

/** The specification: complete lines, a trailing \r dropped, the unfinished tail kept back. */
function expectedLines(text: string): string[] {
  const parts = text.split("\n");
  parts.pop();
  return parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

test("a handler that says stop drops the rest of the chunk", () => {
  const framer = new LineFramer();
  const lines: string[] = [];
  const event = framer.push(Buffer.from("one\ntwo\nthree\n"), (l) => {
    lines.push(l);
    return l === "two" ? "stop" : "continue";
  });
  expect(event).toBe("stopped");
  expect(lines).toEqual(["one", "two"]);
});
