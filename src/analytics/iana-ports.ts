/**
 * Service names for destination ports, per transport protocol.
 *
 * Source: the IANA "Service Name and Transport Protocol Port Number Registry"
 * (https://www.iana.org/assignments/service-names-port-numbers/). This is a curated subset, not the registry:
 * the well-known and commonly used registered ports that show up in cloud flow logs (remote access, mail,
 * directory and Windows services, databases, message brokers, container platforms, monitoring, VPN). Entries
 * marked `iana` carry the registry's service name for that port and transport; entries marked `common` are
 * ports that software widely uses without (or against) an IANA assignment — e.g. 6443 for the Kubernetes API,
 * 9092 for Kafka, 9200 for Elasticsearch — named after that software. Ports in the dynamic range
 * (49152–65535) are not listed unless a well-known product uses them (WireGuard's 51820/udp).
 *
 * ICMP has no ports; `servicePorts` labels its rows by protocol instead.
 */

export type ServiceTransport = 'TCP' | 'UDP';
export type ServiceNameSource = 'iana' | 'common';

export interface ServicePortEntry {
  port: number;
  protocol: ServiceTransport;
  /** The IANA service name (for `common` entries, the name the software is known by), a lowercase token. */
  service: string;
  /** A friendly label for charts and tables. */
  label: string;
  source: ServiceNameSource;
}

type Spec = readonly [port: number, transports: 'tcp' | 'udp' | 'both', service: string, label: string, source?: ServiceNameSource];

const SPECS: readonly Spec[] = [
  [7, 'both', 'echo', 'Echo'],
  [20, 'tcp', 'ftp-data', 'FTP data'],
  [21, 'tcp', 'ftp', 'FTP'],
  [22, 'both', 'ssh', 'SSH'],
  [23, 'tcp', 'telnet', 'Telnet'],
  [25, 'tcp', 'smtp', 'SMTP'],
  [43, 'both', 'nicname', 'WHOIS'],
  [53, 'both', 'domain', 'DNS'],
  [67, 'both', 'bootps', 'DHCP server'],
  [68, 'both', 'bootpc', 'DHCP client'],
  [69, 'both', 'tftp', 'TFTP'],
  [80, 'both', 'http', 'HTTP'],
  [88, 'both', 'kerberos', 'Kerberos'],
  [102, 'both', 'iso-tsap', 'ISO-TSAP'],
  [110, 'tcp', 'pop3', 'POP3'],
  [111, 'both', 'sunrpc', 'RPC portmapper'],
  [113, 'both', 'auth', 'Ident'],
  [123, 'both', 'ntp', 'NTP'],
  [135, 'tcp', 'epmap', 'MS RPC endpoint mapper'],
  [137, 'both', 'netbios-ns', 'NetBIOS name service'],
  [138, 'both', 'netbios-dgm', 'NetBIOS datagram'],
  [139, 'tcp', 'netbios-ssn', 'NetBIOS session'],
  [143, 'tcp', 'imap', 'IMAP'],
  [161, 'both', 'snmp', 'SNMP'],
  [162, 'both', 'snmptrap', 'SNMP trap'],
  [179, 'both', 'bgp', 'BGP'],
  [389, 'both', 'ldap', 'LDAP'],
  [443, 'both', 'https', 'HTTPS'],
  [445, 'both', 'microsoft-ds', 'SMB'],
  [464, 'both', 'kpasswd', 'Kerberos password'],
  [465, 'tcp', 'submissions', 'SMTP submission over TLS'],
  [500, 'both', 'isakmp', 'IKE (IPsec)'],
  [502, 'tcp', 'modbus', 'Modbus', 'common'],
  [512, 'tcp', 'exec', 'rexec'],
  [513, 'tcp', 'login', 'rlogin'],
  [514, 'tcp', 'shell', 'rsh'],
  [514, 'udp', 'syslog', 'Syslog'],
  [520, 'udp', 'router', 'RIP'],
  [546, 'both', 'dhcpv6-client', 'DHCPv6 client'],
  [547, 'both', 'dhcpv6-server', 'DHCPv6 server'],
  [554, 'both', 'rtsp', 'RTSP'],
  [587, 'tcp', 'submission', 'SMTP submission'],
  [593, 'tcp', 'http-rpc-epmap', 'RPC over HTTP endpoint mapper'],
  [623, 'both', 'asf-rmcp', 'IPMI (RMCP)'],
  [631, 'both', 'ipp', 'Internet Printing Protocol'],
  [636, 'tcp', 'ldaps', 'LDAP over TLS'],
  [853, 'both', 'domain-s', 'DNS over TLS'],
  [873, 'tcp', 'rsync', 'rsync'],
  [990, 'tcp', 'ftps', 'FTPS'],
  [993, 'tcp', 'imaps', 'IMAP over TLS'],
  [995, 'tcp', 'pop3s', 'POP3 over TLS'],
  [1080, 'tcp', 'socks', 'SOCKS proxy'],
  [1194, 'both', 'openvpn', 'OpenVPN'],
  [1433, 'tcp', 'ms-sql-s', 'Microsoft SQL Server'],
  [1434, 'both', 'ms-sql-m', 'SQL Server browser'],
  [1512, 'both', 'wins', 'WINS'],
  [1521, 'tcp', 'oracle', 'Oracle listener', 'common'],
  [1701, 'udp', 'l2tp', 'L2TP'],
  [1723, 'tcp', 'pptp', 'PPTP'],
  [1812, 'both', 'radius', 'RADIUS'],
  [1813, 'both', 'radius-acct', 'RADIUS accounting'],
  [1883, 'both', 'mqtt', 'MQTT'],
  [1900, 'both', 'ssdp', 'SSDP (UPnP)'],
  [2049, 'both', 'nfs', 'NFS'],
  [2181, 'tcp', 'zookeeper', 'ZooKeeper', 'common'],
  [2375, 'tcp', 'docker', 'Docker API'],
  [2376, 'tcp', 'docker-s', 'Docker API over TLS'],
  [2377, 'tcp', 'swarm', 'Docker Swarm'],
  [2379, 'tcp', 'etcd-client', 'etcd client'],
  [2380, 'tcp', 'etcd-server', 'etcd peer'],
  [2483, 'tcp', 'ttc', 'Oracle TTC'],
  [2484, 'tcp', 'ttc-ssl', 'Oracle TTC over TLS'],
  [3128, 'tcp', 'squid', 'HTTP proxy (Squid)', 'common'],
  [3260, 'both', 'iscsi-target', 'iSCSI'],
  [3268, 'tcp', 'msft-gc', 'AD global catalog'],
  [3269, 'tcp', 'msft-gc-ssl', 'AD global catalog over TLS'],
  [3306, 'tcp', 'mysql', 'MySQL'],
  [3389, 'both', 'ms-wbt-server', 'RDP'],
  [3478, 'both', 'stun', 'STUN'],
  [3690, 'both', 'svn', 'Subversion'],
  [4369, 'both', 'epmd', 'Erlang port mapper'],
  [4500, 'both', 'ipsec-nat-t', 'IPsec NAT traversal'],
  [4789, 'udp', 'vxlan', 'VXLAN'],
  [5060, 'both', 'sip', 'SIP'],
  [5222, 'tcp', 'xmpp-client', 'XMPP client'],
  [5269, 'tcp', 'xmpp-server', 'XMPP server'],
  [5353, 'both', 'mdns', 'Multicast DNS'],
  [5355, 'both', 'llmnr', 'LLMNR'],
  [5432, 'tcp', 'postgresql', 'PostgreSQL'],
  [5601, 'tcp', 'kibana', 'Kibana', 'common'],
  [5666, 'tcp', 'nrpe', 'Nagios NRPE', 'common'],
  [5671, 'tcp', 'amqps', 'AMQP over TLS'],
  [5672, 'tcp', 'amqp', 'AMQP'],
  [5900, 'tcp', 'rfb', 'VNC'],
  [5985, 'tcp', 'wsman', 'WinRM (HTTP)'],
  [5986, 'tcp', 'wsmans', 'WinRM (HTTPS)'],
  [6081, 'udp', 'geneve', 'Geneve'],
  [6379, 'tcp', 'redis', 'Redis'],
  [6443, 'tcp', 'kube-apiserver', 'Kubernetes API', 'common'],
  [6514, 'tcp', 'syslog-tls', 'Syslog over TLS'],
  [6697, 'tcp', 'ircs-u', 'IRC over TLS'],
  [8080, 'tcp', 'http-alt', 'HTTP (alternate)'],
  [8443, 'tcp', 'pcsync-https', 'HTTPS (alternate)'],
  [8883, 'both', 'secure-mqtt', 'MQTT over TLS'],
  [9042, 'tcp', 'cassandra', 'Cassandra', 'common'],
  [9090, 'tcp', 'prometheus', 'Prometheus', 'common'],
  [9092, 'tcp', 'kafka', 'Kafka', 'common'],
  [9200, 'tcp', 'elasticsearch', 'Elasticsearch', 'common'],
  [9300, 'tcp', 'es-transport', 'Elasticsearch transport', 'common'],
  [9389, 'tcp', 'adws', 'AD Web Services', 'common'],
  [9418, 'both', 'git', 'Git'],
  [10250, 'tcp', 'kubelet', 'Kubelet API', 'common'],
  [11211, 'both', 'memcache', 'Memcached'],
  [15672, 'tcp', 'rabbitmq-mgmt', 'RabbitMQ management', 'common'],
  [27017, 'tcp', 'mongodb', 'MongoDB'],
  [51820, 'udp', 'wireguard', 'WireGuard', 'common'],
];

function expand(specs: readonly Spec[]): ServicePortEntry[] {
  const out: ServicePortEntry[] = [];
  for (const [port, transports, service, label, source = 'iana'] of specs) {
    if (transports !== 'udp') out.push(Object.freeze({ port, protocol: 'TCP', service, label, source }));
    if (transports !== 'tcp') out.push(Object.freeze({ port, protocol: 'UDP', service, label, source }));
  }
  return out;
}

/** Every entry of the table, in port order (TCP before UDP). */
export const SERVICE_PORTS: readonly ServicePortEntry[] = Object.freeze(expand(SPECS));

const key = (port: number, protocol: string) => `${protocol}/${port}`;

/** The table by `PROTOCOL/port` (e.g. `TCP/443`). */
export const SERVICE_PORT_INDEX: ReadonlyMap<string, ServicePortEntry> = new Map(SERVICE_PORTS.map((e) => [key(e.port, e.protocol), e]));

/**
 * The service on a port for a transport (`TCP` or `UDP`, any case), or null: for other protocols, for
 * anything that is not a port number, and for ports the table does not list (most of the registered range
 * and all of the dynamic range 49152–65535 but WireGuard's).
 */
export function serviceName(port: number, protocol: string): { service: string; label: string } | null {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return null;
  const entry = SERVICE_PORT_INDEX.get(key(port, protocol.toUpperCase()));
  return entry ? { service: entry.service, label: entry.label } : null;
}
