// Waiting for the signal that stops a server.

/** Resolves with the name of the first of SIGTERM or SIGINT to arrive. */
export function untilStopSignal(): Promise<"SIGTERM" | "SIGINT"> {
  return new Promise((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
}

/** Calls `reload` on each SIGHUP (which would otherwise end the process) until the returned function is called. */
export function onReloadSignal(reload: () => void): () => void {
  const handler = () => reload();
  process.on("SIGHUP", handler);
  return () => void process.off("SIGHUP", handler);
}
