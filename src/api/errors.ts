/**
 * API errors in the World Bank API's error envelope:
 *   [{"message":[{"id":"120","key":"Invalid value","value":"The provided parameter value is not valid"}]}]
 * with a proper HTTP status and, in `detail`, what exactly was wrong (never a stack trace or a server path).
 */
export const WB_ERRORS = {
  invalidValue: { id: '120', key: 'Invalid value', value: 'The provided parameter value is not valid', status: 400 },
  countryNotFound: { id: '120', key: 'Invalid value', value: 'The provided parameter value is not valid', status: 404 },
  indicatorNotFound: { id: '175', key: 'Invalid format', value: 'The indicator was not found. It may have been deleted or archived.', status: 404 },
  languageNotSupported: { id: '150', key: 'Language not supported', value: 'The requested language is not supported', status: 404 },
  endpointNotFound: { id: '160', key: 'Endpoint not found', value: 'The requested endpoint was not found', status: 404 },
  notFound: { id: '404', key: 'Not found', value: 'The requested resource was not found', status: 404 },
  methodNotAllowed: { id: '112', key: 'Unsupported HTTP method', value: 'The HTTP method is not supported on this endpoint', status: 405 },
  notAcceptable: { id: '406', key: 'Not acceptable', value: 'None of the media types in Accept can be produced', status: 406 },
  unauthorized: { id: '401', key: 'Unauthorized', value: 'A valid bearer token is required', status: 401 },
  forbidden: { id: '403', key: 'Forbidden', value: 'The token may not write this data', status: 403 },
  tooLarge: { id: '413', key: 'Payload too large', value: 'The request body is larger than the limit', status: 413 },
  unsupportedMediaType: { id: '415', key: 'Unsupported media type', value: 'The request body has an unsupported content type', status: 415 },
  rejected: { id: '422', key: 'Submission rejected', value: 'The submission failed validation; nothing was stored', status: 422 },
  rateLimited: { id: '429', key: 'Too many requests', value: 'Too many requests for this token; retry later', status: 429 },
  busy: { id: '503', key: 'Service busy', value: 'The server has too much work queued; retry later', status: 503 },
  storeUnavailable: { id: '503', key: 'Store unavailable', value: 'The data store cannot be used right now (see the server log); retry later', status: 503 },
  // A 4xx, not 501: the server works as configured; this one needs an input it was not started with (tariff plans).
  notAvailable: { id: '404', key: 'Not available', value: 'This endpoint is not available on this server', status: 404 },
  unexpected: { id: '199', key: 'Unexpected error', value: 'An unexpected error occurred; it has been logged', status: 500 },
} as const;

export type WbErrorKind = keyof typeof WB_ERRORS;

export class ApiError extends Error {
  readonly kind: WbErrorKind;
  readonly status: number;
  /** Extra top-level fields of the answer (e.g. the validation report of a rejected submission). */
  readonly extra?: Record<string, unknown>;
  constructor(kind: WbErrorKind, detail: string, extra?: Record<string, unknown>) {
    // An answer to the client, never a bug: no stack trace (capturing one costs more than the rest of a 404).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail);
    Error.stackTraceLimit = limit;
    this.kind = kind;
    this.status = WB_ERRORS[kind].status;
    this.extra = extra;
  }
}

/** The envelope: World Bank's shape, plus `detail` (a plain sentence) in the message. */
export function errorBody(kind: WbErrorKind, detail?: string, extra?: Record<string, unknown>): unknown[] {
  const { status: _status, ...msg } = WB_ERRORS[kind];
  void _status;
  return [{ message: [{ ...msg, ...(detail ? { detail } : {}) }], ...(extra ?? {}) }];
}

/** The API's name of a library option (query parameters are lower case, some shorter). */
const PARAMS: Record<string, string> = { asOf: 'asof', weightMode: 'weights', dropOne: 'drop' };
export const apiName = (field: string): string => (Object.hasOwn(PARAMS, field) ? PARAMS[field] : field);
