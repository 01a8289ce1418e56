import type { Interaction } from '@cx/domain';

/** The fields that only some interactions carry. */
export type InteractionField = 'complaintId' | 'reason' | 'commitmentId' | 'dueAt' | 'value';

/** Where each interaction-specific field may appear; anywhere else it is refused. */
export const ALLOWED_ON: Readonly<Record<InteractionField, readonly Interaction[]>> = {
  complaintId: ['complaint_opened', 'complaint_resolved'],
  reason: ['complaint_opened'],
  commitmentId: ['commitment_made', 'commitment_kept', 'commitment_broken'],
  dueAt: ['commitment_made'],
  value: ['purchase', 'repurchase'],
};

/**
 * The fields an interaction cannot do without: the model pairs openings with settlements by these
 * ids. Checked at ingestion and again on every consumed event.
 */
export const REQUIRED_ON: Readonly<Partial<Record<Interaction, readonly InteractionField[]>>> = {
  complaint_opened: ['complaintId', 'reason'],
  complaint_resolved: ['complaintId'],
  commitment_made: ['commitmentId', 'dueAt'],
  commitment_kept: ['commitmentId'],
  commitment_broken: ['commitmentId'],
};
