// Hash banks: the port the CSAM gate matches against, and its file-backed default adapter.
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
