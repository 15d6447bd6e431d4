/**
 * A response body that is already JSON text, sent as is by JsonResponseInterceptor. For answers
 * whose numbers JSON.stringify cannot write as Chroma does (floats keep `.0`: see
 * records/float-format.ts).
 */
export class RawJson {
  constructor(readonly text: string) {}
}
