/** The plain shapes services, guards and routers share. */
export type { Origin } from '../repositories/types.js';

/** The caller of an authenticated procedure, as its access token and session establish it. */
export interface Viewer {
  userId: string;
  sessionId: string;
  accessTokenId: string;
}

/** A caller who passed the staff guard. */
export interface StaffMember {
  userId: string;
  isSuperuser: boolean;
}
