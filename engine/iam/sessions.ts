/**
 * STS sessions: AssumeRole hands out temporary credentials (an `ASIA…` access key id, a secret, a session token and
 * an expiration) that the HTTP edge's SigV4 check accepts until they expire. Stored, so they survive a restart as
 * AWS's do; expired ones are dropped when the next session is made. A local function's execution-role credentials
 * (`issue`) live in memory only: the function's worker never outlives the engine that issued them.
 */
import type { Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { assumedRoleArn } from './arns.js';
import { iamId, secretKey, sessionToken } from './ids.js';
import type { Role } from './roles.js';

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** epoch ms */
  expiration: number;
  roleArn: string;
  /** `AROA…:session-name`, as GetCallerIdentity and AssumedRoleUser report it. */
  assumedRoleId: string;
  /** `arn:aws:sts::000000000000:assumed-role/ROLE/SESSION`. */
  assumedRoleArn: string;
  sessionName: string;
}

interface SessionRow { access_key_id: string; secret: string; token: string; role_arn: string; role_id: string; session_name: string; expires: number }

function toSession(r: SessionRow): Session {
  const roleName = r.role_arn.slice(r.role_arn.lastIndexOf('/') + 1);
  return {
    accessKeyId: r.access_key_id, secretAccessKey: r.secret, sessionToken: r.token, expiration: r.expires, roleArn: r.role_arn,
    assumedRoleId: `${r.role_id}:${r.session_name}`, assumedRoleArn: assumedRoleArn(roleName, r.session_name), sessionName: r.session_name,
  };
}

export class Sessions {
  private readonly ephemeral = new Map<string, Session>();

  constructor(private readonly store: Store, private readonly clock: Clock) {}

  /** Credentials of a role for the engine's own use (a function's execution role), kept in memory, not stored. */
  issue(role: Pick<Role, 'arn' | 'id'>, sessionName: string, durationSeconds: number): Session {
    const now = this.clock.now();
    for (const [id, s] of this.ephemeral) if (s.expiration <= now) this.ephemeral.delete(id);
    const session = toSession({
      access_key_id: iamId('ASIA', 16), secret: secretKey(), token: sessionToken(), role_arn: role.arn, role_id: role.id,
      session_name: sessionName, expires: now + durationSeconds * 1000,
    });
    this.ephemeral.set(session.accessKeyId, session);
    return session;
  }

  async assume(role: Role, sessionName: string, durationSeconds: number): Promise<Session> {
    const now = this.clock.now();
    const row: SessionRow = {
      access_key_id: iamId('ASIA', 16), secret: secretKey(), token: sessionToken(), role_arn: role.arn, role_id: role.id,
      session_name: sessionName, expires: now + durationSeconds * 1000,
    };
    await this.store.write([
      { sql: 'DELETE FROM sts_sessions WHERE expires <= ?', params: [now] },
      { sql: 'INSERT INTO sts_sessions (access_key_id, secret, token, role_arn, role_id, session_name, expires) VALUES (?, ?, ?, ?, ?, ?, ?)',
        params: [row.access_key_id, row.secret, row.token, row.role_arn, row.role_id, row.session_name, row.expires] },
    ]);
    return toSession(row);
  }

  /** The unexpired session of a temporary access key id. */
  get(accessKeyId: string): Session | undefined {
    const issued = this.ephemeral.get(accessKeyId);
    if (issued) return issued.expiration > this.clock.now() ? issued : undefined;
    const row = this.store.get<SessionRow>('SELECT * FROM sts_sessions WHERE access_key_id = ?', [accessKeyId]);
    return row && row.expires > this.clock.now() ? toSession(row) : undefined;
  }

  /** The session of a key id whether or not it has expired (to say "expired" rather than "unknown"). */
  any(accessKeyId: string): Session | undefined {
    const issued = this.ephemeral.get(accessKeyId);
    if (issued) return issued;
    const row = this.store.get<SessionRow>('SELECT * FROM sts_sessions WHERE access_key_id = ?', [accessKeyId]);
    return row && toSession(row);
  }
}
