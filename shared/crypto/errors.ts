/**
 * Errors of the crypto concern. Messages name files, fields and operations, never plaintext,
 * keys or ciphertext: the HTTP layer may log them, and only statuses below 500 expose a message.
 */

/** Local key material is missing, unreadable or malformed (a deployment fault: 500). */
export class KeyMaterialError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyMaterialError';
  }
}

/** A payload does not authenticate, or does not belong to the record it was read from (500: data fault). */
export class DecryptError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecryptError';
  }
}

/** The keyring or KMS is unavailable (throttling, network, AccessDenied): mapped to 503. */
export class KeyServiceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyServiceError';
  }
}
