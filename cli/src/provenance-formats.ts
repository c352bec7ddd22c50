/** The outputs of `coldtrail provenance --format` (kept here so --help loads no command module). */
export const PROVENANCE_FORMATS = ['table', 'json', 'epcis', 'html'] as const;
export type ProvenanceFormat = (typeof PROVENANCE_FORMATS)[number];
