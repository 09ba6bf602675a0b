import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { seededRandom } from "./faults.js";
import {
  ArraySource,
  type ResourceSource,
  type ResourceTypeSpec,
  type StoredResource,
} from "./jsonapi/resources.js";
import { packageFixturesDir } from "./package-fixtures.js";

/**
 * The Evident mock's data: the resource types it serves (attributes and relationships as
 * the Evident document shows them), a deterministic generator for the whole data set, and
 * the loader for the checked-in fixtures (fixtures/evident/<type>.json, the generator's
 * output for 500 alerts). Benchmarks ask for N alerts instead: those are synthesised on
 * demand from their index, so 100,000 alerts cost no memory until a page is read.
 */

/** Path of one Evident resource, as the document's links write it. */
export function evidentResourcePath(type: string, id: string): string {
  return `/api/v2/${type}/${id}.json`;
}

/** A to-many link the way the document writes one (`external_accounts.json?filter[team_id_eq]=1`). */
function filteredLink(type: string, inverse: string) {
  return (owner: StoredResource): string =>
    `/api/v2/${type}.json?filter%5B${inverse}_id_eq%5D=${encodeURIComponent(owner.id)}`;
}

const TIMESTAMPS = ["created_at", "updated_at"] as const;

/** Risk levels in rank order (sorting `risk_level desc` puts high first). */
export const RISK_LEVELS = ["low", "medium", "high"] as const;
/** Alert statuses as the Evident document lists them. */
export const ALERT_STATUSES = ["pass", "fail", "warn", "error", "info"] as const;

/** The collections the Evident mock serves. */
export const EVIDENT_TYPES: readonly ResourceTypeSpec[] = [
  {
    type: "alerts",
    attributes: [...TIMESTAMPS, "status", "resource", "risk_level", "started_at", "ended_at"],
    ranks: { risk_level: RISK_LEVELS },
    relationships: {
      external_account: { type: "external_accounts" },
      region: { type: "regions" },
      signature: { type: "signatures" },
      suppression: { type: "suppressions" },
      report: { type: "reports" },
      tags: { type: "tags", many: true },
    },
  },
  {
    type: "signatures",
    attributes: [...TIMESTAMPS, "name", "identifier", "description", "resolution", "risk_level"],
    ranks: { risk_level: RISK_LEVELS },
    relationships: {},
  },
  {
    type: "suppressions",
    attributes: [...TIMESTAMPS, "reason", "resource", "status"],
    relationships: {
      organization: { type: "organizations" },
      created_by: { type: "users" },
      regions: { type: "regions", many: true },
      external_accounts: { type: "external_accounts", many: true },
      signatures: { type: "signatures", many: true },
    },
  },
  {
    type: "external_accounts",
    attributes: [...TIMESTAMPS, "name", "provider", "account", "arn", "throttle_level"],
    relationships: {
      organization: { type: "organizations" },
      sub_organization: { type: "sub_organizations" },
      team: { type: "teams" },
    },
  },
  {
    type: "teams",
    attributes: [...TIMESTAMPS, "name"],
    relationships: {
      organization: { type: "organizations" },
      sub_organization: { type: "sub_organizations" },
      external_accounts: {
        type: "external_accounts",
        many: true,
        related: filteredLink("external_accounts", "team"),
      },
    },
  },
  {
    type: "sub_organizations",
    attributes: [...TIMESTAMPS, "name"],
    relationships: {
      organization: { type: "organizations" },
      teams: { type: "teams", many: true, related: filteredLink("teams", "sub_organization") },
    },
  },
  {
    type: "organizations",
    attributes: [...TIMESTAMPS, "name"],
    relationships: {
      sub_organizations: {
        type: "sub_organizations",
        many: true,
        related: filteredLink("sub_organizations", "organization"),
      },
      teams: { type: "teams", many: true, related: filteredLink("teams", "organization") },
      users: { type: "users", many: true, related: filteredLink("users", "organization") },
    },
  },
  {
    type: "regions",
    attributes: [...TIMESTAMPS, "code", "name"],
    relationships: {},
  },
  {
    type: "tags",
    attributes: [...TIMESTAMPS, "key", "value"],
    relationships: {},
  },
  {
    type: "users",
    attributes: [...TIMESTAMPS, "email", "first_name", "last_name", "role", "time_zone"],
    relationships: {
      organization: { type: "organizations" },
      sub_organizations: { type: "sub_organizations", many: true },
      teams: { type: "teams", many: true },
    },
  },
  {
    type: "reports",
    attributes: [...TIMESTAMPS, "status"],
    relationships: {
      organization: { type: "organizations" },
      sub_organization: { type: "sub_organizations" },
      team: { type: "teams" },
      alerts: {
        type: "alerts",
        many: true,
        linkOnly: true,
        related: (owner) => `/api/v2/reports/${encodeURIComponent(owner.id)}/alerts.json`,
      },
    },
  },
];

/** Number of alerts in the checked-in fixtures. */
export const FIXTURE_ALERT_COUNT = 500;

/** Seed of the generator: changing it changes every fixture. */
const SEED = 0x5eed_2015;

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function hex(rand: () => number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += Math.floor(rand() * 16).toString(16);
  return out;
}

const DAY_MS = 86_400_000;
/** Everything happens after this instant (whole seconds, like the document's timestamps). */
const EPOCH = Date.UTC(2026, 0, 1);

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * ISO 8601 with zero milliseconds ("2015-09-23T15:04:02.000Z"), computed with integer
 * arithmetic: Date#toISOString dominated the cost of synthesising 100,000 alerts.
 */
function iso(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const secs = totalSeconds - days * 86_400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(h)}:${pad2(m)}:${pad2(secs % 60)}.000Z`;
}

function resource(
  type: string,
  id: number | string,
  attributes: StoredResource["attributes"],
  relationships: StoredResource["relationships"] = {},
): StoredResource {
  return { id: String(id), type, attributes, relationships };
}

const REGIONS: readonly [string, string][] = [
  ["us_east_1", "US East (N. Virginia)"],
  ["us_east_2", "US East (Ohio)"],
  ["us_west_1", "US West (N. California)"],
  ["us_west_2", "US West (Oregon)"],
  ["ca_central_1", "Canada (Central)"],
  ["eu_west_1", "EU (Ireland)"],
  ["eu_west_2", "EU (London)"],
  ["eu_central_1", "EU (Frankfurt)"],
  ["ap_southeast_1", "Asia Pacific (Singapore)"],
  ["ap_southeast_2", "Asia Pacific (Sydney)"],
  ["ap_northeast_1", "Asia Pacific (Tokyo)"],
  ["sa_east_1", "South America (Sao Paulo)"],
  ["global", "Global"],
];

/** [identifier, name, risk level, resource kind] of each signature. */
const SIGNATURES: readonly [string, string, (typeof RISK_LEVELS)[number], string][] = [
  ["AWS:EC2-001", "EC2 security group allows SSH from the internet", "high", "sg"],
  ["AWS:EC2-002", "EC2 security group allows RDP from the internet", "high", "sg"],
  ["AWS:EC2-003", "EC2 instance has a public IP address", "medium", "instance"],
  ["AWS:EC2-004", "EC2 default security group allows traffic", "medium", "sg"],
  ["AWS:EC2-005", "EC2 EBS volume is not encrypted", "medium", "volume"],
  ["AWS:EC2-006", "EC2 instance uses IMDSv1", "low", "instance"],
  ["AWS:IAM-001", "IAM root account has access keys", "high", "iam"],
  ["AWS:IAM-002", "IAM root account MFA is disabled", "high", "iam"],
  ["AWS:IAM-003", "IAM user has console access without MFA", "high", "iam"],
  ["AWS:IAM-004", "IAM password policy is weak", "medium", "iam"],
  ["AWS:IAM-005", "IAM access key older than 90 days", "medium", "iam"],
  ["AWS:IAM-006", "IAM policy grants full administrative privileges", "high", "iam"],
  ["AWS:IAM-007", "IAM user has inline policies", "low", "iam"],
  ["AWS:S3-001", "S3 bucket is publicly readable", "high", "s3"],
  ["AWS:S3-002", "S3 bucket is publicly writable", "high", "s3"],
  ["AWS:S3-003", "S3 bucket default encryption is disabled", "medium", "s3"],
  ["AWS:S3-004", "S3 bucket access logging is disabled", "low", "s3"],
  ["AWS:S3-005", "S3 bucket versioning is disabled", "low", "s3"],
  ["AWS:RDS-001", "RDS instance is publicly accessible", "high", "rds"],
  ["AWS:RDS-002", "RDS storage is not encrypted", "medium", "rds"],
  ["AWS:RDS-003", "RDS automated backups are disabled", "medium", "rds"],
  ["AWS:CLT-001", "CloudTrail is not enabled in all regions", "high", "trail"],
  ["AWS:CLT-002", "CloudTrail log file validation is disabled", "medium", "trail"],
  ["AWS:CLT-003", "CloudTrail logs are not encrypted with KMS", "low", "trail"],
  ["AWS:R53-001", "Route 53 DNS zone allows zone transfer", "medium", "dns"],
  ["AWS:R53-002", "Route 53 DNS query logging is disabled", "low", "dns"],
  ["AWS:R53-003", "Route 53 domain auto renew is disabled", "low", "dns"],
  ["AWS:VPC-001", "VPC flow logs are disabled", "medium", "vpc"],
  ["AWS:VPC-002", "VPC network ACL allows all inbound traffic", "high", "vpc"],
  ["AWS:ELB-001", "ELB listener uses an insecure SSL policy", "medium", "elb"],
  ["AWS:ELB-002", "ELB access logging is disabled", "low", "elb"],
  ["AWS:KMS-001", "KMS key rotation is disabled", "medium", "kms"],
  ["AWS:LMB-001", "Lambda function has a public resource policy", "high", "lambda"],
  ["AWS:SNS-001", "SNS topic is publicly accessible", "medium", "sns"],
  ["AWS:SQS-001", "SQS queue is publicly accessible", "medium", "sqs"],
  ["AWS:CFG-001", "AWS Config is not enabled", "medium", "config"],
  ["AWS:GDT-001", "GuardDuty is not enabled", "high", "config"],
  ["AWS:ECR-001", "ECR repository allows public pulls", "high", "ecr"],
  ["AWS:EKS-001", "EKS cluster endpoint is public", "medium", "eks"],
  ["AWS:DNS-001", "Amazon-provided dns resolver logging disabled", "low", "dns"],
];

const ACCOUNT_NAMES = [
  "Dev",
  "Prod",
  "Staging",
  "Security",
  "Sandbox",
  "Data Lake",
  "Logging",
  "Shared Services",
  "Audit",
  "Network",
] as const;

const TAGS: readonly [string, string][] = [
  ["env", "prod"],
  ["env", "staging"],
  ["env", "dev"],
  ["owner", "platform"],
  ["owner", "data"],
  ["owner", "security"],
  ["cost-center", "1001"],
  ["cost-center", "2002"],
  ["compliance", "soc2"],
  ["compliance", "pci"],
  ["compliance", "hipaa"],
  ["tier", "frontend"],
  ["tier", "backend"],
  ["backup", "daily"],
  ["pii", "true"],
];

const PEOPLE: readonly [string, string, string][] = [
  ["bob", "Bob", "Builder"],
  ["alice", "Alice", "Auditor"],
  ["carol", "Carol", "Cloud"],
  ["dave", "Dave", "DevOps"],
  ["erin", "Erin", "Engineer"],
  ["frank", "Frank", "Firewall"],
  ["grace", "Grace", "Governance"],
  ["heidi", "Heidi", "Hardening"],
];

/** The non-alert collections: organizations down to accounts, signatures, users, reports. */
export interface EvidentWorld {
  organizations: StoredResource[];
  sub_organizations: StoredResource[];
  teams: StoredResource[];
  external_accounts: StoredResource[];
  regions: StoredResource[];
  signatures: StoredResource[];
  suppressions: StoredResource[];
  tags: StoredResource[];
  users: StoredResource[];
  reports: StoredResource[];
}

/** Generates the deterministic non-alert collections. */
export function generateWorld(): EvidentWorld {
  const rand = seededRandom(SEED);
  const stamp = (dayOffset: number) => {
    const created = EPOCH - dayOffset * DAY_MS + Math.floor(rand() * DAY_MS);
    return {
      created_at: iso(created),
      updated_at: iso(created + Math.floor(rand() * 30) * DAY_MS),
    };
  };

  // Two organizations; sub-organizations 1-3 belong to org 1, 4 to org 2.
  const subOrgOrg = ["1", "1", "1", "2"];
  const subOrgNames = ["Engineering", "Finance", "Research", "Acme Subsidiary"];
  // Six teams over the sub-organizations; teams 1..6 -> sub-org.
  const teamSubOrg = ["1", "1", "2", "3", "4", "1"];
  const teamNames = [
    "Default Team",
    "Platform",
    "Finance Ops",
    "Research Cloud",
    "Acme Ops",
    "SecOps",
  ];
  // Ten accounts over the teams (every team owns at least one).
  const accountTeam = ["1", "1", "2", "6", "2", "3", "6", "1", "4", "5"];

  const teamOf = (teamId: string) => teamSubOrg[Number(teamId) - 1]!;
  const orgOfSub = (subId: string) => subOrgOrg[Number(subId) - 1]!;

  const organizations = ["Evident Demo", "Acme Holdings"].map((name, i) => {
    const id = String(i + 1);
    return resource(
      "organizations",
      id,
      { name, ...stamp(400) },
      {
        sub_organizations: subOrgOrg.flatMap((o, s) => (o === id ? [String(s + 1)] : [])),
        teams: teamSubOrg.flatMap((s, t) => (orgOfSub(s) === id ? [String(t + 1)] : [])),
        users: [],
      },
    );
  });
  const sub_organizations = subOrgNames.map((name, i) => {
    const id = String(i + 1);
    return resource(
      "sub_organizations",
      id,
      { name, ...stamp(380) },
      {
        organization: orgOfSub(id),
        teams: teamSubOrg.flatMap((s, t) => (s === id ? [String(t + 1)] : [])),
      },
    );
  });
  const teams = teamNames.map((name, i) => {
    const id = String(i + 1);
    return resource(
      "teams",
      id,
      { name, ...stamp(360) },
      {
        organization: orgOfSub(teamOf(id)),
        sub_organization: teamOf(id),
        external_accounts: accountTeam.flatMap((t, a) => (t === id ? [String(a + 1)] : [])),
      },
    );
  });
  const external_accounts = ACCOUNT_NAMES.map((name, i) => {
    const id = String(i + 1);
    const team = accountTeam[i]!;
    const account = String(100_000_000_000 + Math.floor(rand() * 899_999_999_999));
    return resource(
      "external_accounts",
      id,
      {
        name,
        provider: "amazon",
        account,
        arn: `arn:aws:iam::${account}:role/evident-readonly`,
        throttle_level: i % 4 === 3 ? "low" : "none",
        ...stamp(350),
      },
      { organization: orgOfSub(teamOf(team)), sub_organization: teamOf(team), team },
    );
  });
  const regions = REGIONS.map(([code, name], i) =>
    resource("regions", i + 1, { code, name, ...stamp(500) }),
  );
  const signatures = SIGNATURES.map(([identifier, name, risk_level, kind], i) =>
    resource("signatures", i + 1, {
      name,
      identifier,
      description: `Checks whether ${name.charAt(0).toLowerCase()}${name.slice(1)} (${kind}).`,
      resolution: `Fix the ${kind} configuration so that the check passes; see the runbook for ${identifier}.`,
      risk_level,
      ...stamp(450),
    }),
  );
  const tags = TAGS.map(([key, value], i) =>
    resource("tags", i + 1, { key, value, ...stamp(300) }),
  );
  const users = PEOPLE.map(([login, first, last], i) => {
    const org = i < 6 ? "1" : "2";
    const subs = sub_organizations
      .filter((s) => s.relationships.organization === org)
      .map((s) => s.id);
    const userTeams = teams.filter((t) => t.relationships.organization === org).map((t) => t.id);
    return resource(
      "users",
      i + 1,
      {
        email: `${login}@mycompany.com`,
        first_name: first,
        last_name: last,
        role: i === 0 ? "manager" : i % 3 === 0 ? "evident_admin" : "customer",
        time_zone: i % 2 === 0 ? "UTC" : "America/New_York",
        ...stamp(320),
      },
      {
        organization: org,
        sub_organizations: subs.slice(0, 1 + (i % subs.length)),
        teams: userTeams.slice(0, 1 + (i % userTeams.length)),
      },
    );
  });
  for (const org of organizations) {
    org.relationships.users = users
      .filter((u) => u.relationships.organization === org.id)
      .map((u) => u.id);
  }
  const suppressions = Array.from({ length: 12 }, (_, i) => {
    const org = i < 10 ? "1" : "2";
    const orgUsers = users.filter((u) => u.relationships.organization === org);
    const regionIds = [pick(rand, regions).id, pick(rand, regions).id].filter(
      (id, k, all) => all.indexOf(id) === k,
    );
    const accountIds = [pick(rand, external_accounts).id];
    const signatureIds = [pick(rand, signatures).id, pick(rand, signatures).id].filter(
      (id, k, all) => all.indexOf(id) === k,
    );
    return resource(
      "suppressions",
      i + 1,
      {
        reason: pick(rand, [
          "Accepted risk: legacy workload",
          "False positive: bastion host",
          "Compensating control in place",
          "Scheduled for remediation",
        ]),
        // Some suppressions cover every resource (null), as the document's resource_not_null example implies.
        resource: i % 3 === 0 ? null : `arn:aws:s3:::suppressed-bucket-${i + 1}`,
        status: i % 5 === 4 ? "inactive" : "active",
        ...stamp(200),
      },
      {
        organization: org,
        created_by: pick(rand, orgUsers).id,
        regions: regionIds,
        external_accounts: accountIds,
        signatures: signatureIds,
      },
    );
  });
  const reports = Array.from({ length: 20 }, (_, i) => {
    const team = teams[i % teams.length]!;
    const created = EPOCH + i * 14 * DAY_MS;
    return resource(
      "reports",
      i + 1,
      {
        status: i === 19 ? "processing" : "complete",
        created_at: iso(created),
        updated_at: iso(created + 3_600_000),
      },
      {
        organization: team.relationships.organization as string,
        sub_organization: team.relationships.sub_organization as string,
        team: team.id,
      },
    );
  });
  return {
    organizations,
    sub_organizations,
    teams,
    external_accounts,
    regions,
    signatures,
    suppressions,
    tags,
    users,
    reports,
  };
}

/** What an alert generator needs of the world, precomputed once. */
interface AlertWorldIndex {
  reports: StoredResource[];
  /** Account ids of each team id. */
  teamAccounts: Map<string, string[]>;
  regionIds: string[];
  signatures: StoredResource[];
  suppressionIds: string[];
  tagIds: string[];
  accounts: Map<string, StoredResource>;
}

function indexWorld(world: EvidentWorld): AlertWorldIndex {
  const teamAccounts = new Map<string, string[]>();
  for (const a of world.external_accounts) {
    const team = a.relationships.team as string;
    teamAccounts.set(team, [...(teamAccounts.get(team) ?? []), a.id]);
  }
  return {
    reports: world.reports,
    teamAccounts,
    regionIds: world.regions.map((r) => r.id),
    signatures: world.signatures,
    suppressionIds: world.suppressions.map((s) => s.id),
    tagIds: world.tags.map((t) => t.id),
    accounts: new Map(world.external_accounts.map((a) => [a.id, a])),
  };
}

const STATUS_WEIGHTS: readonly [(typeof ALERT_STATUSES)[number], number][] = [
  ["pass", 0.45],
  ["fail", 0.3],
  ["warn", 0.12],
  ["error", 0.05],
  ["info", 0.08],
];

function weightedStatus(r: number): (typeof ALERT_STATUSES)[number] {
  let acc = 0;
  for (const [status, weight] of STATUS_WEIGHTS) {
    acc += weight;
    if (r < acc) return status;
  }
  return "info";
}

function resourceName(rand: () => number, kind: string, account: string, region: string): string {
  const regionCode = region.replace(/_/g, "-");
  switch (kind) {
    case "sg":
      return `sg-${hex(rand, 17)}`;
    case "instance":
      return `i-${hex(rand, 17)}`;
    case "volume":
      return `vol-${hex(rand, 17)}`;
    case "iam":
      return `arn:aws:iam::${account}:user/${pick(rand, PEOPLE)[0]}`;
    case "s3":
      return `arn:aws:s3:::${pick(rand, ["logs", "backups", "assets", "exports", "reports"])}-${hex(rand, 6)}`;
    case "rds":
      return `arn:aws:rds:${regionCode}:${account}:db:db-${hex(rand, 8)}`;
    case "trail":
      return `arn:aws:cloudtrail:${regionCode}:${account}:trail/main`;
    case "dns":
      return `/hostedzone/Z${hex(rand, 13).toUpperCase()}`;
    case "vpc":
      return `vpc-${hex(rand, 17)}`;
    default:
      return `arn:aws:${kind}:${regionCode}:${account}:${kind}-${hex(rand, 8)}`;
  }
}

/**
 * Alert number `index` (id index+1), a pure function of the index and the world: the
 * fixtures hold the first 500, and a benchmark source makes any of millions on demand.
 */
function generateAlert(index: number, w: AlertWorldIndex): StoredResource {
  const rand = seededRandom(SEED ^ Math.imul(index + 1, 0x9e3779b1));
  const report = pick(rand, w.reports);
  const accountId = pick(rand, w.teamAccounts.get(report.relationships.team as string)!);
  const account = w.accounts.get(accountId)!;
  const regionId = pick(rand, w.regionIds);
  const signature = pick(rand, w.signatures);
  const status = weightedStatus(rand());
  const created = EPOCH + Math.floor(rand() * 300 * DAY_MS);
  const updated = created + Math.floor(rand() * 5 * DAY_MS);
  const ended = rand() < 0.35 ? iso(updated) : null;
  const kind = SIGNATURES[Number(signature.id) - 1]![3];
  // About one alert in twenty has an empty resource, like the document's sample alert.
  const resourceText =
    rand() < 0.05
      ? ""
      : resourceName(
          rand,
          kind,
          account.attributes.account as string,
          REGIONS[Number(regionId) - 1]![0],
        );
  const suppressed = (status === "fail" || status === "warn") && rand() < 0.1;
  const tagCount = Math.floor(rand() * 4);
  const tags: string[] = [];
  for (let t = 0; t < tagCount; t++) {
    const id = pick(rand, w.tagIds);
    if (!tags.includes(id)) tags.push(id);
  }
  tags.sort((a, b) => Number(a) - Number(b));
  return resource(
    "alerts",
    index + 1,
    {
      created_at: iso(created),
      status,
      resource: resourceText,
      risk_level: signature.attributes.risk_level as string,
      updated_at: iso(updated),
      started_at: iso(created),
      ended_at: ended,
    },
    {
      external_account: accountId,
      region: regionId,
      signature: signature.id,
      suppression: suppressed ? pick(rand, w.suppressionIds) : null,
      report: report.id,
      tags,
    },
  );
}

/** Alerts 1..count synthesised on demand: nothing is held in memory but the world index. */
export class SyntheticAlertSource implements ResourceSource {
  private readonly index: AlertWorldIndex;
  constructor(
    readonly size: number,
    world: EvidentWorld,
  ) {
    this.index = indexWorld(world);
  }

  /** Alert at a position (id position+1). */
  at(index: number): StoredResource {
    return generateAlert(index, this.index);
  }

  /** Alert with this id, if it is in range. */
  find(id: string): StoredResource | undefined {
    if (!/^[1-9]\d*$/.test(id)) return undefined;
    const n = Number(id);
    return n <= this.size ? generateAlert(n - 1, this.index) : undefined;
  }
}

/** The first `count` alerts, as the fixtures hold them. */
export function generateAlerts(count: number, world: EvidentWorld): StoredResource[] {
  const index = indexWorld(world);
  return Array.from({ length: count }, (_, i) => generateAlert(i, index));
}

/** Every collection of the generated data set (what fixtures/evident/ contains). */
export function generateEvidentFixtures(
  alertCount = FIXTURE_ALERT_COUNT,
): Record<string, StoredResource[]> {
  const world = generateWorld();
  return { ...world, alerts: generateAlerts(alertCount, world) };
}

/**
 * Renders one collection as a fixture file: a JSON array with one resource per line, so
 * diffs of regenerated fixtures stay readable.
 */
export function renderFixture(resources: readonly StoredResource[]): string {
  return `[\n${resources.map((r) => JSON.stringify(r)).join(",\n")}\n]\n`;
}

/**
 * Writes the generated collections into `dir` (fixtures/evident). Regenerate after changing
 * the generator: `npm run build && node -e 'import("./dist/mock/evident-data.js").then((m) => m.writeEvidentFixtures("fixtures/evident"))'`.
 */
export async function writeEvidentFixtures(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [type, resources] of Object.entries(generateEvidentFixtures())) {
    await writeFile(join(dir, `${type}.json`), renderFixture(resources));
  }
}

/** Where the data came from, for the mock's banner and tests. */
export interface EvidentData {
  sources: Map<string, ResourceSource>;
  origin: "fixtures" | "generated";
  /** The folder read, when origin is fixtures. */
  dir?: string;
  /** Whole days every date-time attribute was moved by (0 when not relative). */
  shiftDays: number;
}

/** The day after the newest fixture alert (2026-10-27): the fixtures' own "today". */
export const FIXTURE_TODAY = Date.UTC(2026, 9, 28);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** Whole days from the fixtures' today to the UTC day of `today`. */
export function dateShiftDays(today: Date): number {
  return Math.round((Math.floor(today.getTime() / DAY_MS) * DAY_MS - FIXTURE_TODAY) / DAY_MS);
}

/** The resource with every date-time attribute moved by `days` (other values untouched). */
function shiftDates(resource: StoredResource, days: number): StoredResource {
  if (days === 0) return resource;
  const attributes: StoredResource["attributes"] = {};
  for (const [k, v] of Object.entries(resource.attributes)) {
    attributes[k] =
      typeof v === "string" && DATE_TIME.test(v)
        ? new Date(Date.parse(v) + days * DAY_MS).toISOString()
        : v;
  }
  return { ...resource, attributes };
}

/**
 * Loads the Evident collections: `<dataDir>/evident/*.json` when that folder exists, else
 * the package's fixtures/evident. With `alerts`, the whole set is generated instead (the
 * synthetic alerts must point at the generator's own accounts, signatures and reports).
 */
export async function loadEvidentData(
  options: { dataDir?: string; alerts?: number; today?: Date } = {},
): Promise<EvidentData> {
  if (options.alerts !== undefined) {
    // Synthesised on demand (benchmarks): they keep the generator's fixed 2026 dates.
    const world = generateWorld();
    const sources = worldSources(world);
    sources.set("alerts", new SyntheticAlertSource(options.alerts, world));
    return { sources, origin: "generated", shiftDays: 0 };
  }
  const days = options.today ? dateShiftDays(options.today) : 0;
  const candidates = [
    ...(options.dataDir ? [join(options.dataDir, "evident")] : []),
    join(packageFixturesDir(), "evident"),
  ];
  const dir = candidates.find((d) => existsSync(join(d, "alerts.json")));
  if (!dir) {
    // A package without fixtures (should not happen) still serves the same data.
    const all = generateEvidentFixtures();
    return {
      sources: new Map(
        Object.entries(all).map(([t, rs]) => [
          t,
          new ArraySource(rs.map((r) => shiftDates(r, days))),
        ]),
      ),
      origin: "generated",
      shiftDays: days,
    };
  }
  const sources = new Map<string, ResourceSource>();
  for (const spec of EVIDENT_TYPES) {
    const file = join(dir, `${spec.type}.json`);
    if (!existsSync(file)) {
      sources.set(spec.type, new ArraySource());
      continue;
    }
    const items = JSON.parse(await readFile(file, "utf8")) as StoredResource[];
    sources.set(
      spec.type,
      new ArraySource(
        items.map((r) => shiftDates({ ...r, type: spec.type, id: String(r.id) }, days)),
      ),
    );
  }
  return { sources, origin: "fixtures", dir, shiftDays: days };
}

function worldSources(world: EvidentWorld): Map<string, ResourceSource> {
  return new Map(Object.entries(world).map(([type, items]) => [type, new ArraySource(items)]));
}
