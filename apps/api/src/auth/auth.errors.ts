/** Thrown by the guard; the problem-details filter maps them (401 / 403). */
export class UnauthenticatedError extends Error {
  readonly code = 'UNAUTHENTICATED';
}
export class RoleForbiddenError extends Error {
  readonly code = 'ROLE_FORBIDDEN';
}
