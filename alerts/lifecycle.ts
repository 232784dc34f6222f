import type { Alert, AlertStatus } from './alert.js';

/**
 * What a person may do to an alert in each status. The engine has two more moves of its own: it
 * resolves a live alert whose condition cleared (when the rule auto-resolves) and reopens a closed
 * one whose condition came back after clearing.
 */
export type PersonAction = 'acknowledge' | 'assign' | 'resolve' | 'dismiss' | 'comment';

const ALLOWED: Record<PersonAction, readonly AlertStatus[]> = {
  acknowledge: ['open'],
  assign: ['open', 'acknowledged'],
  resolve: ['open', 'acknowledged'],
  dismiss: ['open', 'acknowledged'],
  // A closed alert can still be discussed: the trail is where the why is kept.
  comment: ['open', 'acknowledged', 'resolved', 'dismissed'],
};

export type AlertErrorCode = 'not_found' | 'invalid_transition' | 'invalid_request';

/** A request the alert service refuses; `code` tells the caller (an API: 404, 409, 400) what kind. */
export class AlertError extends Error {
  override name = 'AlertError';
  constructor(
    readonly code: AlertErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws AlertError when `action` is not allowed on `alert` as it stands, saying why and what would be. */
export function checkTransition(alert: Alert, action: PersonAction): void {
  if (ALLOWED[action].includes(alert.status)) return;
  const closed = alert.resolved_at ? ` on ${alert.resolved_at} by ${alert.resolved_by ?? 'unknown'}${alert.resolution ? ` (${alert.resolution})` : ''}` : '';
  if (action === 'acknowledge' && alert.status === 'acknowledged') {
    throw new AlertError('invalid_transition', `alert ${alert.alert_id} is already acknowledged (by ${alert.acknowledged_by ?? 'unknown'} on ${alert.acknowledged_at ?? '?'}); resolve or dismiss it next`);
  }
  throw new AlertError(
    'invalid_transition',
    `cannot ${action} alert ${alert.alert_id}: it is ${alert.status}${closed}. A closed alert reopens by itself when its condition comes back; comment on it to add a note`,
  );
}
