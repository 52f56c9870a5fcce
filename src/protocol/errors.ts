/**
 * Protocol errors are values (docs/protocol.md §8): the decoder and the multiplexer report them
 * through a callback and never throw them, so one bad link cannot crash the router. Codes are
 * stable and append-only.
 */
export type ProtocolErrorCode =
  | 'frame-too-large' // Len above MAX_FRAME_LEN
  | 'frame-too-short' // Len below 16
  | 'unknown-proto' // Proto other than 0, 6 or 17
  | 'illegal-flags' // unknown bits or a combination §5.3 does not list
  | 'bad-payload' // payload length or content wrong for the frame kind
  | 'bad-address' // zero ports on TCP frames, non-zero addresses on control frames
  | 'truncated' // the stream ended inside a frame
  | 'bad-control' // a control message that does not parse
  | 'no-hello' // the first frame was not HELLO
  | 'version-mismatch' // HELLO announced another protocol version
  | 'window-overrun' // the peer sent past the credit it was given
  | 'window-overflow' // the peer granted more credit than MAX_WINDOW
  | 'bad-state'; // a frame that is impossible in the connection's state (e.g. data after CLOSE_WRITE)

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
