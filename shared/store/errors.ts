/** What a DynamoDB transaction's cancellation says, item by item. */
export type CancellationCode =
  | 'None'
  | 'ConditionalCheckFailed'
  | 'TransactionConflict'
  | 'ThrottlingError'
  | string;

/** The per-item codes of a TransactionCanceledException, or undefined for any other error. */
export function cancellationCodes(error: unknown): CancellationCode[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons: unknown = Reflect.get(error, 'CancellationReasons');
  if (!Array.isArray(reasons)) return [];
  return reasons.map((reason: unknown) => {
    const code: unknown =
      typeof reason === 'object' && reason !== null ? Reflect.get(reason, 'Code') : undefined;
    return typeof code === 'string' ? code : 'None';
  });
}
