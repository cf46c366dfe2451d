// A commit whose outcome is not known: the database may have stored it or not (it stopped answering,
// or the connection was lost while the commit was on its way). The Booker answers such a change
// "outcome unknown, see mine" instead of "try again"; a shared store then reads its slots again.
export class OutcomeUnknown extends Error {}
