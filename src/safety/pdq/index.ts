// PDQ perceptual hashing: the hasher (a port of the ThreatExchange reference) and hash arithmetic.
export { pdqHash, pdqDct16, pdqDctToHex, jaroszWindowSize, type PdqHash } from "./pdq.js";
export { DIHEDRAL_TRANSFORMS, dihedralHashesOfDct, pdqHashDihedral, type DihedralHash, type DihedralTransform, type PdqDihedral } from "./dihedral.js";
export { hammingDistance, hashWords, isPdqHash, popcount32, PDQ_HEX_LENGTH } from "./hash256.js";
