// The server's constant replies, encoded once from the protocol's formatters. Kept out of shared/protocol.ts,
// which the patient loads too: seven Buffer.from calls at load time made the patient build Buffer's class
// and its methods (issue 28).
import { formatAuthReply, formatSelectionReply } from "../../../shared/protocol.ts";

/** The constant replies. */
export const encoded_reply = {
  success: Buffer.from(formatAuthReply(true)),
  failure: Buffer.from(formatAuthReply(false)),
  notavailable: Buffer.from(formatSelectionReply({ kind: "notavailable" })),
  invalid: Buffer.from(formatSelectionReply({ kind: "invalid" })),
  pong: Buffer.from("pong\n"),
  cancelled: Buffer.from("cancelled\n"),
  notyours: Buffer.from("notyours\n"),
} as const;
