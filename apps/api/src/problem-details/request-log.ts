import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { REQUEST_ID_HEADER } from '../command-path/command-meta';
import { REQUEST_ID_RESPONSE_HEADER, logServerError } from './problem-details.filter';

const SAFE_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * Every request gets an id: the client's X-Request-Id when it is printable ASCII, else a fresh UUID.
 * It is answered in X-Request-Id, becomes the correlation id of the events the request writes
 * (readCommandMeta reads the header), and names the request in the log of any 5xx — including
 * answers no exception filter saw (the body parser's, a static file's).
 */
export function requestLog() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers[REQUEST_ID_HEADER];
    const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
    req.headers[REQUEST_ID_HEADER] = id;
    res.setHeader(REQUEST_ID_RESPONSE_HEADER, id);
    res.on('finish', () => logServerError(req, res, res.statusCode));
    next();
  };
}
