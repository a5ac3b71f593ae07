/**
 * What the routers may call. These interfaces, not the implementations, are what the tRPC
 * context names, so the SDK's declarations carry only these and the wire schemas.
 */
import type {
  AuthResult,
  ChangePasswordInput,
  LoginInput,
  RegisterInput,
  ResetPasswordInput,
  TokenPair,
} from '../schemas/auth.js';
import type { UpdateProfileInput } from '../schemas/profile.js';
import type { UserView } from '../schemas/user.js';
import type { RateLimits } from '../lib/rate-limit/types.js';
import type {
  ActivityEntryView,
  ActivityListInput,
  AdminActivityEntryView,
} from '../schemas/activity.js';
import type {
  AdminUserDetailView,
  AdminUserList,
  AdminUserListInput,
  AdminUserUpdateInput,
} from '../schemas/admin.js';
import type { Page } from '../schemas/pagination.js';
import type { LogoutAllResult, SessionList } from '../schemas/sessions.js';

/** The caller of an authenticated procedure, as its access token and session establish it. */
export interface Viewer {
  userId: string;
  sessionId: string;
  accessTokenId: string;
}

export interface StaffMember {
  userId: string;
  isSuperuser: boolean;
}

/** Where a request came from; recorded on sessions and activity entries. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

export interface SessionService {
  /** Resolves a `Bearer` header to a viewer, or throws NOT_AUTHENTICATED / TOKEN_INVALID. */
  authenticate(authorization: string | null): Promise<Viewer>;
  requireStaff(viewer: Viewer): Promise<StaffMember>;
  refresh(refreshToken: string, origin: RequestOrigin): Promise<TokenPair>;
}

export interface AuthService {
  register(input: RegisterInput, origin: RequestOrigin): Promise<AuthResult>;
  login(input: LoginInput, origin: RequestOrigin): Promise<AuthResult>;
  logout(
    viewer: Viewer,
    refreshToken: string | undefined,
    origin: RequestOrigin,
  ): Promise<{ message: string }>;
  changePassword(
    viewer: Viewer,
    input: ChangePasswordInput,
    origin: RequestOrigin,
  ): Promise<{ message: string; tokens: TokenPair }>;
}

export interface PasswordResetService {
  requestReset(email: string, origin: RequestOrigin): Promise<{ message: string }>;
  resetPassword(input: ResetPasswordInput, origin: RequestOrigin): Promise<{ message: string }>;
}

/** Email verification (services/email-verification-service.ts). */
export interface EmailVerificationService {
  /** Marks the account verified; an unknown, expired or used token is a 400 on `token`. */
  verify(token: string, origin: RequestOrigin): Promise<{ message: string }>;
  /** Mails a new link (the old one stops working); limited per account. */
  resend(viewer: Viewer, origin: RequestOrigin): Promise<{ message: string }>;
}

export interface ProfileService {
  get(viewer: Viewer): Promise<UserView>;
  update(
    viewer: Viewer,
    input: UpdateProfileInput,
    origin: RequestOrigin,
  ): Promise<{ message: string; user: UserView }>;
}

/** The caller's own sessions (services/account-sessions-service.ts). */
export interface AccountSessionService {
  list(viewer: Viewer): Promise<SessionList>;
  revoke(viewer: Viewer, sessionId: string, origin: RequestOrigin): Promise<{ message: string }>;
  logoutAll(viewer: Viewer, origin: RequestOrigin): Promise<LogoutAllResult>;
}

export interface ActivityService {
  list(viewer: Viewer, query: ActivityListInput): Promise<Page<ActivityEntryView>>;
}

/** The staff API (services/admin-service.ts); callers have passed `staffProcedure`. */
export interface AdminService {
  listUsers(query: AdminUserListInput): Promise<AdminUserList>;
  getUser(viewer: Viewer, userId: string): Promise<AdminUserDetailView>;
  updateUser(
    staff: StaffMember,
    viewer: Viewer,
    input: AdminUserUpdateInput,
    origin: RequestOrigin,
  ): Promise<{ message: string; user: AdminUserDetailView }>;
  userActivity(userId: string, query: ActivityListInput): Promise<Page<AdminActivityEntryView>>;
}

/** What staff do to an account beyond its fields (services/staff-actions-service.ts). */
export interface StaffActionService {
  endSession(
    staff: StaffMember,
    userId: string,
    sessionId: string,
    origin: RequestOrigin,
  ): Promise<{ message: string }>;
  endAllSessions(
    staff: StaffMember,
    userId: string,
    origin: RequestOrigin,
  ): Promise<LogoutAllResult>;
  sendPasswordReset(
    staff: StaffMember,
    userId: string,
    origin: RequestOrigin,
  ): Promise<{ message: string }>;
  resendVerification(
    staff: StaffMember,
    userId: string,
    origin: RequestOrigin,
  ): Promise<{ message: string }>;
}

export interface NewSuperuser {
  email: string;
  fullName: string;
  password: string;
}

/** The operator's commands (server/cli.ts); no procedure calls these. */
export interface AccountCommandService {
  isEmailTaken(email: string): Promise<boolean>;
  passwordProblems(password: string, context: { email?: string; fullName?: string }): string[];
  createSuperuser(input: NewSuperuser): Promise<UserView>;
  changePassword(email: string, password: string): Promise<{ sessionsRevoked: number }>;
  deactivate(
    email: string,
    options?: { force?: boolean },
  ): Promise<{ alreadyInactive: boolean; sessionsRevoked: number }>;
}

export interface Services {
  sessions: SessionService;
  auth: AuthService;
  passwordReset: PasswordResetService;
  emailVerification: EmailVerificationService;
  profile: ProfileService;
  accountSessions: AccountSessionService;
  activity: ActivityService;
  admin: AdminService;
  staffActions: StaffActionService;
  accountCommands: AccountCommandService;
  /** The shared request counters the tRPC middleware consults (trpc/rate-limit.ts). */
  rateLimits: RateLimits;
}
