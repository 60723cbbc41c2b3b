/** The filter flags of `analyze` and `export`: parseArgs options and help text over the library's filterFromParams. */
import { FILTER_FLAGS, filterFromParams, type FilterFlag } from '../index.js';

export { FILTER_FLAGS, type FilterFlag, type FilterValues } from '../index.js';
/** The filter flags as a Filter (the library's filterFromParams under the CLI's name). */
export const filterFromArgs = filterFromParams;

/** node:util parseArgs entries for the filter flags: every one a repeatable string. */
export const FILTER_ARG_OPTIONS = Object.fromEntries(FILTER_FLAGS.map((flag) => [flag, { type: 'string', multiple: true }])) as Record<
  FilterFlag,
  { type: 'string'; multiple: true }
>;

/** The filter part of a command's --help. */
export const FILTER_HELP = `Filters (each repeatable and/or comma-separated; values of one flag match any, flags combine with AND):
  --subscription <id>        Azure subscription / AWS account / GCP project
  --resource-group <name>    Azure resource group / AWS VPC / GCP network
  --nsg <name>               Azure NSG / AWS interface / GCP subnetwork
  --rule <name>              NSG rule
  --protocol <p>             TCP, UDP, ICMP, ICMPv6 or an IANA number (6 = TCP)
  --direction <d>            inbound | outbound
  --decision <d>             allow | deny (accept / reject also read)
  --since <time>             flows at or after: ISO 8601 (UTC unless zoned: 2026-11-02, 2026-11-02T10:00)
                             or a duration before now: 90m, 24h, 7d, 2w
  --until <time>             flows before this (same forms)
  --ip <addr|cidr>           IPv4 or IPv6 address or CIDR, either end (see --ip-side)
  --ip-side <side>           any (default) | src | dst: which end --ip matches
  --port <n>                 destination port 0–65535 (see --port-side)
  --port-side <side>         dst (default) | src | any: which port --port matches
  --country <cc>             ISO 3166-1 alpha-2 of either end (ZZ = private/reserved)
`;

