// Waiting for the signal that stops a server.

/** Resolves with the name of the first of SIGTERM or SIGINT to arrive. */
export function untilStopSignal(): Promise<"SIGTERM" | "SIGINT"> {
  return new Promise((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
}
