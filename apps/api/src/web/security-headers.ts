import type { NextFunction, Request, Response } from 'express';

/**
 * The web app's scripts and styles come from its own origin (Vite emits no inline script or style;
 * Vue and ECharts set styles through the CSSOM, which CSP allows). Nothing may frame the app, and no
 * other origin is reached: the API is same-origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Swagger UI's page (/api/docs) carries its styles inline; its scripts are files like the app's. */
const DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

/**
 * Headers on every answer. API answers carry personal data (names, units, tokens in the demo list):
 * no cache, shared or private, may keep them.
 */
export function securityHeaders() {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Content-Security-Policy', /^\/api\/docs(\/|$)/i.test(req.path) ? DOCS_POLICY : CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (/^\/api(\/|$)/i.test(req.path)) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
