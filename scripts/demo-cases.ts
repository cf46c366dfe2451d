// The demo's four cases: the seed transcripts' sessions, what each patient types, the exit code it
// should end with, and the lines its output must show (they name the doctors' ports of this run).

export type Case = {
  title: string;
  who: "patient1" | "patient2";
  input: string;
  code: number;
  expect: (port: { doc1: number; doc2: number }) => RegExp[];
};
export const cases: Case[] = [
  {
    title: "Case 1: patient1 books slot 2 and gets $40 from doc2",
    who: "patient1",
    input: "2\n",
    code: 0,
    expect: (p) => [new RegExp(`reserved to Patient1\\. The assigned doctor port number is ${p.doc2}`), /Cost\s+40/],
  },
  {
    title: "Case 2: patient1 enters 8, which is not in the schedule, and is asked again",
    who: "patient1",
    input: "8\n",
    code: 2,
    expect: () => [/enter:\n8\nPlease enter the preferred appointment index and press enter:/],
  },
  {
    title: "Case 3: patient2 books slot 3 and gets $20 from doc1",
    who: "patient2",
    input: "3\n",
    code: 0,
    expect: (p) => [new RegExp(`reserved to Patient2\\. The assigned doctor port number is ${p.doc1}`), /Cost\s+20/],
  },
  {
    title: "Case 4: patient2 asks for slot 3 again and is refused",
    who: "patient2",
    input: "3\n",
    code: 1,
    expect: () => [/from Patient2 is not available\.----->Exiting/],
  },
];
