import { USER_ROLES, type UserRole } from '../store/index.js';

// The password rules and Argon2id hashing are the web module's (one definition for the dashboard and the hub).
export { hashPassword, verifyPassword, dummyHash, passwordProblem, userNameProblem, PASSWORD_MIN, PASSWORD_MAX } from '../../web/index.js';

/** The roles (the store's one list), re-exported for the `qmon user` CLI. */
export const ROLES: readonly UserRole[] = USER_ROLES;

export function isRole(v: unknown): v is UserRole {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}
