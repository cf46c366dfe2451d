// How names are shown: the seed's log lines say "Doctor1" and "Patient1" for doc1 and patient1.

/** "doctor1" and "doc1" name the same doctor; the data files use "doc1". */
export function canonicalDoctorName(name: string): string {
  const m = /^doctor(\d+)$/.exec(name);
  return m ? `doc${m[1]}` : name;
}

/** The doctor a name means, as the protocol compares doctors: without case, and doctorN is docN (DOC1 is doc1). */
export function doctorKey(name: string): string {
  return canonicalDoctorName(name.toLowerCase());
}

/** "doc1" -> "Doctor1", as the seed's log lines say it. */
export function displayDoctorName(name: string): string {
  const m = /^doc(\d+)$/.exec(name);
  return m ? `Doctor${m[1]}` : name;
}

export function displayPatientName(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
