import type { IssueCode, IssueDetail } from '../base/errors.ts';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: {
    severity: 'fatal' | 'error' | 'warning' | 'information';
    code: IssueCode | 'informational';
    diagnostics?: string;
    expression?: string[];
  }[];
}

export function operationOutcome(
  code: IssueCode | 'informational',
  diagnostics: string,
  details: readonly IssueDetail[] = [],
  severity: 'fatal' | 'error' | 'warning' | 'information' = 'error',
): OperationOutcome {
  if (details.length === 0) {
    return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
  }
  return {
    resourceType: 'OperationOutcome',
    issue: details.map((detail) => ({
      severity,
      code,
      diagnostics: detail.message,
      ...(detail.location ? { expression: [detail.location] } : {}),
    })),
  };
}
