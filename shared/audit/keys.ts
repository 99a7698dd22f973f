/** Keys of the access log table (see shared/tables.ts auditTable). Pure: no I/O. */

/** The sealing unit: one partition per UTC hour. `2026-11-25T08:15:00.000Z` -> `AE#2026-11-25T08`. */
export const hourOf = (recorded: string): string => recorded.slice(0, 13);
export const eventPartition = (hour: string): string => `AE#${hour}`;
export const eventSortKey = (recorded: string, id: string): string => `${recorded}#${id}`;
export const orgKey = (org: string): string => org;
export const patientKey = (org: string, patientId: string): string => `${org}#${patientId}`;
export const agentKey = (org: string, sub: string): string => `${org}#${sub}`;
export const purposeKey = (org: string, purpose: string): string => `${org}#${purpose}`;
/** A disclosure item of an event sorts right after the event: `<eventSk>#p#<patientId>`. */
export const disclosureSortKey = (eventSk: string, patientId: string): string => `${eventSk}#p#${patientId}`;
