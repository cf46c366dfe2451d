// A raw line client for the bench's single-request timings: logged in as patient1, it sends a line
// and reads up to the end of its reply (one line, or a list ending in an empty line).

/** A raw line client: send a line, read up to the reply's end. */
export async function lineClient(port: number) {
  let text = "";
  let wake = () => {};
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, b) => {
        text += b.toString("latin1");
        wake();
      },
    },
  });
  const ask = async (line: string, list: boolean): Promise<string> => {
    socket.write(`${line}\n`);
    const end = list ? "\n\n" : "\n";
    while (!(text.endsWith(end) || (list && text === "\n"))) await new Promise<void>((r) => (wake = r));
    const t = text;
    text = "";
    return t;
  };
  await ask("authenticate patient1 password111", false);
  return { ask, close: () => socket.end() };
}

/** The ids `available` lists now, in its order. */
export async function availableIds(port: number): Promise<number[]> {
  const c = await lineClient(port);
  const list = (await c.ask("available", true))
    .split("\n")
    .filter(Boolean)
    .map((l) => Number(l.split(" ")[0]));
  c.close();
  return list;
}
