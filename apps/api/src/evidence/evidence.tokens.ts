/** The EvidenceStorage the app stores uploads in (FsEvidenceStore under the data folder unless a test or deployment hands another). */
export const EVIDENCE_STORAGE = Symbol('EVIDENCE_STORAGE');
/** evidenceConfig(config): the folder and LEDGER_EVIDENCE_MAX_BYTES. */
export const EVIDENCE_CONFIG = Symbol('EVIDENCE_CONFIG');
