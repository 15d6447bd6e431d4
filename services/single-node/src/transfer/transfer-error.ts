/**
 * A copy, export or import that cannot go on: its message is the one line `huedb` prints (what
 * went wrong, with the server and what to do), so it names no stack frame and no internal type.
 */
export class TransferError extends Error {
  override readonly name: string = 'TransferError';
}

/** An HTTP answer that was not 2xx: its status and Chroma's `{error, message}` body. */
export class ServerAnswerError extends TransferError {
  override readonly name = 'ServerAnswerError';
  constructor(
    message: string,
    readonly status: number,
    /** Chroma's error name (`NotFoundError`, `UniqueConstraintError`, …) when it sent one. */
    readonly error: string | undefined,
  ) {
    super(message);
  }
}
