// PDQ perceptual hashing: the hasher (a port of the ThreatExchange reference) and hash arithmetic.
export { pdqHash, jaroszWindowSize, type PdqHash } from "./pdq.js";
export { hammingDistance, hashWords, isPdqHash, popcount32, PDQ_HEX_LENGTH } from "./hash256.js";
