// A reference point for the benchmark only: the protocol in the fewest lines Bun allows, in memory,
// no durability, no logging, no limits. The bench runs it beside the real server so the real
// server's cost is reported as a ratio measured in the same run.
const booked = new Set<number>([1]);
const slots: [number, string][] = [
  [1, "Tue 01pm"],
  [2, "Mon 03pm"],
  [3, "Thu 02pm"],
  [4, "Wed 10am"],
  [5, "Sat 12pm"],
  [6, "Fri 04pm"],
];
const server = Bun.listen<{ buf: string }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { buf: "" };
    },
    data(s, d) {
      s.data.buf += d.toString();
      let i;
      while ((i = s.data.buf.indexOf("\n")) >= 0) {
        const words = s.data.buf.slice(0, i).split(" ");
        s.data.buf = s.data.buf.slice(i + 1);
        if (words[0] === "authenticate") s.write("success\n");
        else if (words[0] === "available")
          s.write(
            slots
              .filter(([n]) => !booked.has(n))
              .map(([n, t]) => `${n} ${t}\n`)
              .join("") + "\n",
          );
        else if (words[0] === "selection") {
          const n = Number(words[1]);
          s.write(booked.has(n) ? "notavailable\n" : (booked.add(n), "doc1 41000\n"));
        }
      }
    },
  },
});
console.log(`naive server: port number: ${server.port}`);
