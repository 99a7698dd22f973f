/**
 * What one million requests of a route cost in AWS, from what the bench measured: DynamoDB
 * request units (from item sizes), Lambda duration at the configured memory, the API Gateway
 * request, and KMS calls. us-east-1, on-demand, list prices without free tier or discounts.
 */
export const PRICES = {
  region: 'us-east-1',
  /** DynamoDB on-demand (standard table class), per million request units (since 2024-11-01). */
  dynamoWriteRequestUnit: 0.625,
  dynamoReadRequestUnit: 0.125,
  /** Lambda on arm64: per million requests, and per GB-second (first 7.5 billion GB-s a month). */
  lambdaRequest: 0.2,
  lambdaGbSecond: 0.0000133334,
  /** API Gateway REST API, per million requests (first 333 million a month). */
  apiGatewayRestRequest: 3.5,
  /** KMS, per 10,000 requests (GenerateDataKey, Decrypt, GenerateMac, VerifyMac). */
  kmsPer10k: 0.03,
  /** AWS WAF, per million requests inspected (the stack puts a web ACL in front of the API). */
  wafRequest: 0.6,
} as const;

export interface CostInput {
  rru: number;
  wru: number;
  /** Median handler duration, ms (Lambda bills per started ms). */
  durationMs: number;
  memoryMB: number;
  kmsCallsPerRequest: number;
}

export interface CostPerMillion {
  dynamo: number;
  lambda: number;
  apiGateway: number;
  kms: number;
  waf: number;
  total: number;
}

const cents = (value: number): number => Math.round(value * 100) / 100;

export function costPerMillion(input: CostInput): CostPerMillion {
  const dynamo = input.wru * PRICES.dynamoWriteRequestUnit + input.rru * PRICES.dynamoReadRequestUnit;
  const gbSeconds = (input.memoryMB / 1024) * (Math.ceil(input.durationMs) / 1000) * 1e6;
  const lambda = PRICES.lambdaRequest + gbSeconds * PRICES.lambdaGbSecond;
  const apiGateway = PRICES.apiGatewayRestRequest;
  const kms = input.kmsCallsPerRequest * 100 * PRICES.kmsPer10k;
  const waf = PRICES.wafRequest;
  return {
    dynamo: cents(dynamo),
    lambda: cents(lambda),
    apiGateway: cents(apiGateway),
    kms: cents(kms),
    waf: cents(waf),
    total: cents(dynamo + lambda + apiGateway + kms + waf),
  };
}
