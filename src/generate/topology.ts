/**
 * The estate the synthetic traffic runs in: subscriptions (AWS accounts, GCP projects), resource groups
 * (VPCs / VPC networks), NSGs (subnets), regions and internal hosts in private ranges, plus a pool of
 * external peers whose addresses are drawn from the real ranges of ~30 countries (so a geo lookup of any
 * generated address gives the country the generator meant).
 */
import type { IpCountryDb } from '../sources/ip-country.js';
import { Random, WeightedPicker, zipfWeights } from './random.js';

export type Role = 'web' | 'app' | 'sql' | 'postgres' | 'cache' | 'dns' | 'jump' | 'windows' | 'worker';

export interface Subscription {
  /** Azure subscription GUID (lower case). */
  azureId: string;
  awsAccount: string;
  gcpProject: string;
}

export interface Segment {
  index: number;
  subscription: Subscription;
  resourceGroup: string;
  nsgName: string;
  vnetName: string;
  subnetName: string;
  region: { azure: string; aws: string; gcp: string };
  awsVpcId: string;
  /** AWS flow log id for the segment's VPC (`fl-…`). */
  awsFlowLogId: string;
  hosts: Host[];
}

export interface Host {
  index: number;
  ip: string;
  /** 12 upper-case hex digits, no separators (Azure blob paths). */
  mac: string;
  eni: string;
  instanceId: string;
  name: string;
  role: Role;
  segment: Segment;
}

export interface Peer {
  ip: string;
  country: string;
}

export interface Topology {
  subscriptions: Subscription[];
  segments: Segment[];
  hosts: Host[];
  byRole: Map<Role, Host[]>;
  /** External peers, most active first (drawn with a Zipf law: a few talkers carry most flows). */
  peers: Peer[];
  peerPicker: WeightedPicker;
  /** A few external admin addresses allowed to SSH to the jump hosts. */
  admins: Peer[];
}

/** Baseline countries of external peers with their weights (share of peers). */
export const PEER_COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['US', 30], ['DE', 6], ['GB', 5], ['NL', 5], ['CN', 5], ['FR', 4], ['JP', 4], ['IN', 4], ['BR', 3], ['CA', 3],
  ['RU', 3], ['AU', 2], ['KR', 2], ['SG', 2], ['IE', 2], ['IT', 2], ['ES', 2], ['SE', 1.5], ['PL', 1.5], ['ID', 1.5],
  ['VN', 1.5], ['HK', 1.5], ['UA', 1], ['TR', 1], ['MX', 1], ['ZA', 1], ['TW', 1], ['CH', 1], ['AR', 0.8], ['FI', 0.8],
];

const REGIONS = [
  { azure: 'westeurope', aws: 'eu-west-1', gcp: 'europe-west1' },
  { azure: 'eastus', aws: 'us-east-1', gcp: 'us-east1' },
  { azure: 'westus2', aws: 'us-west-2', gcp: 'us-west1' },
  { azure: 'southeastasia', aws: 'ap-southeast-1', gcp: 'asia-southeast1' },
  { azure: 'germanywestcentral', aws: 'eu-central-1', gcp: 'europe-west3' },
];

const SUBSCRIPTION_NAMES = ['prod', 'shared', 'dev', 'data'];
/** Segments of each subscription: resource group → NSGs, each NSG a subnet with hosts of these roles. */
const SEGMENT_PLANS: ReadonlyArray<{ rg: string; nsgs: ReadonlyArray<{ name: string; roles: Role[] }> }> = [
  { rg: 'web', nsgs: [{ name: 'frontend', roles: ['web', 'web', 'web', 'web', 'app', 'app', 'app', 'worker'] }] },
  { rg: 'data', nsgs: [{ name: 'db', roles: ['sql', 'sql', 'postgres', 'postgres', 'cache', 'cache'] }] },
  { rg: 'core', nsgs: [{ name: 'infra', roles: ['dns', 'dns', 'jump', 'windows', 'windows', 'worker', 'worker'] }] },
];

export const PEER_COUNT = 4000;
export const ADMIN_COUNT = 4;

export function buildTopology(seed: number, db: IpCountryDb): Topology {
  const random = new Random(seed).fork('topology');
  const subscriptions: Subscription[] = SUBSCRIPTION_NAMES.map((name) => ({
    azureId: guid(random),
    awsAccount: String(random.int(100000000000, 999999999999)),
    gcpProject: `${name}-${random.int(100000, 999999)}`,
  }));
  const segments: Segment[] = [];
  const hosts: Host[] = [];
  subscriptions.forEach((sub, s) => {
    const region = REGIONS[s % REGIONS.length];
    for (const plan of SEGMENT_PLANS) {
      for (const nsg of plan.nsgs) {
        const index = segments.length;
        const segment: Segment = {
          index,
          subscription: sub,
          resourceGroup: `rg-${SUBSCRIPTION_NAMES[s]}-${plan.rg}`,
          nsgName: `nsg-${SUBSCRIPTION_NAMES[s]}-${nsg.name}`,
          vnetName: `vnet-${SUBSCRIPTION_NAMES[s]}`,
          subnetName: `snet-${nsg.name}`,
          region,
          awsVpcId: `vpc-${hex(random, 17)}`,
          awsFlowLogId: `fl-${hex(random, 17)}`,
          hosts: [],
        };
        // 10.<subscription>.<segment>.0/24, hosts from .4 (Azure reserves .0–.3)
        const roles = nsg.roles;
        roles.forEach((role, h) => {
          const host: Host = {
            index: hosts.length,
            ip: `10.${s + 1}.${index + 1}.${4 + h}`,
            mac: `000D3A${hex(random, 6).toUpperCase()}`,
            eni: `eni-${hex(random, 17)}`,
            instanceId: `i-${hex(random, 17)}`,
            name: `vm-${SUBSCRIPTION_NAMES[s]}-${role}-${h + 1}`,
            role,
            segment,
          };
          segment.hosts.push(host);
          hosts.push(host);
        });
        segments.push(segment);
      }
    }
  });
  const byRole = new Map<Role, Host[]>();
  for (const h of hosts) {
    const list = byRole.get(h.role) ?? [];
    list.push(h);
    byRole.set(h.role, list);
  }
  const countryPicker = new WeightedPicker(PEER_COUNTRIES.map(([, w]) => w));
  const rnd = () => random.next();
  const peers: Peer[] = [];
  const seen = new Set<string>();
  while (peers.length < PEER_COUNT) {
    const country = PEER_COUNTRIES[countryPicker.pick(random)][0];
    const ip = db.randomAddress(country, rnd);
    if (seen.has(ip)) continue;
    seen.add(ip);
    peers.push({ ip, country });
  }
  const admins = peers.slice(PEER_COUNT - ADMIN_COUNT);
  return {
    subscriptions,
    segments,
    hosts,
    byRole,
    peers,
    peerPicker: new WeightedPicker(zipfWeights(PEER_COUNT - ADMIN_COUNT, 1.1)),
    admins,
  };
}

function hex(random: Random, digits: number): string {
  let s = '';
  while (s.length < digits) s += random.uint32().toString(16).padStart(8, '0');
  return s.slice(0, digits);
}

function guid(random: Random): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
