// The reference Chroma's virtualenv lives in @huedb/testing (the compatibility tests use it too).
export { chromaEnv, ensureChromaVenv, runCommand as run, type ChromaVenv } from '@huedb/testing';
