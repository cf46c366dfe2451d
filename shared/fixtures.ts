// The seed data, embedded in every binary so each runs with no checkout beside it.
import users from "../fixtures/users.txt" with { type: "text" };
import availabilities from "../fixtures/availabilities.txt" with { type: "text" };
import doc1 from "../fixtures/doc1.txt" with { type: "text" };
import doc2 from "../fixtures/doc2.txt" with { type: "text" };
import patient1 from "../fixtures/patient1.txt" with { type: "text" };
import patient2 from "../fixtures/patient2.txt" with { type: "text" };
import patient1insurance from "../fixtures/patient1insurance.txt" with { type: "text" };
import patient2insurance from "../fixtures/patient2insurance.txt" with { type: "text" };

export const embedded: Record<string, string> = {
  "users.txt": users,
  "availabilities.txt": availabilities,
  "doc1.txt": doc1,
  "doc2.txt": doc2,
  "patient1.txt": patient1,
  "patient2.txt": patient2,
  "patient1insurance.txt": patient1insurance,
  "patient2insurance.txt": patient2insurance,
};
