/** Errors with stable codes; faces map them to exit codes and messages with a fix-it hint. */
export type NetworkflowErrorCode =
  | 'unknown-format'
  | 'archive-limit'
  | 'truncated-archive'
  | 'corrupt-archive'
  | 'input-unreadable'
  | 'strict-violation'
  | 'bad-option'
  | 'data-dir-locked';

export class NetworkflowError extends Error {
  readonly code: NetworkflowErrorCode;
  readonly hint: string | undefined;
  constructor(code: NetworkflowErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkflowError';
    this.code = code;
    this.hint = hint;
  }
}
