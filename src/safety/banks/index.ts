// Hash banks: the port the CSAM gate matches against, its file-backed default adapter, and the
// database-backed bank (imported hash lists, admin entries, reloaded without a restart).
export {
  formatHashBank,
  HashBankFormatError,
  InMemoryHashBank,
  loadHashBankFile,
  parseHashBank,
  PDQ_MATCH_DISTANCE,
  PDQ_MIN_QUALITY,
  type BankEntry,
  type BankLookup,
  type BankMatch,
  type BankOptions,
  type HashBank,
  type HashQuery,
} from "./bank.js";
export { DatabaseHashBank, type DatabaseBankOptions } from "./database.js";
export { parseHashList, type HashListEntry, type HashListProblem, type ParsedHashList } from "./hash-list.js";
