/**
 * Example inputs for the kube-proxy ruleset generator, in the flavour of kube-proxy's own tests
 * (pods 10.0.0.0/8 with endpoints 10.180.x.y, cluster IPs 172.30.0.0/16, node 192.168.0.2,
 * LB IPs 1.2.3.4 and 5.6.7.8, outside clients 203.0.113.0/24), and a synthetic large cluster.
 */
import type { KubeNode, KubeService } from './generate.js';

/** The node of the examples: `node1`, 192.168.0.2, pods in 10.0.0.0/8. */
export const EXAMPLE_NODE: KubeNode = { name: 'node1', ip: '192.168.0.2', podCIDR: '10.0.0.0/8' };

/** The services of kube-proxy's TestOverallIPTablesRules (same names, so the same chain hashes). */
export const OVERALL_SERVICES: readonly KubeService[] = [
  { namespace: 'ns1', name: 'svc1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'tcp' }], endpoints: [{ ip: '10.180.0.1' }] },
  {
    namespace: 'ns2', name: 'svc2', type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.42',
    ports: [{ name: 'p80', port: 80, protocol: 'tcp', nodePort: 3001 }], loadBalancerIPs: ['1.2.3.4'], externalIPs: ['192.168.99.22'],
    healthCheckNodePort: 30000, endpoints: [{ ip: '10.180.0.2' }],
  },
  { namespace: 'ns3', name: 'svc3', type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ name: 'p80', port: 80, protocol: 'tcp', nodePort: 3003 }], endpoints: [{ ip: '10.180.0.3' }] },
  {
    namespace: 'ns4', name: 'svc4', type: 'NodePort', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'],
    ports: [{ name: 'p80', port: 80, protocol: 'tcp', targetPort: 80 }], endpoints: [{ ip: '10.180.0.4' }, { ip: '10.180.0.5', nodeName: 'node1' }],
  },
  {
    namespace: 'ns5', name: 'svc5', type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', clusterIP: '172.30.0.45',
    ports: [{ name: 'p80', port: 80, protocol: 'tcp', nodePort: 3002 }], loadBalancerIPs: ['5.6.7.8'], healthCheckNodePort: 30000,
    loadBalancerSourceRanges: [' 203.0.113.0/25'], sessionAffinity: 'ClientIP', sessionAffinityTimeout: 10800, endpoints: [{ ip: '10.180.0.3' }],
  },
  { namespace: 'ns6', name: 'svc6', clusterIP: '172.30.0.46', ports: [{ name: 'p80', port: 80, protocol: 'tcp', targetPort: 80 }], endpoints: [] },
];

/** Services covering the other branches: several protocols, policies, affinity, no endpoints. */
export const VARIETY_SERVICES: readonly KubeService[] = [
  // kube-dns: UDP, TCP and metrics with 4 endpoints (probabilities 1/4, 1/3, 1/2).
  {
    namespace: 'kube-system', name: 'kube-dns', clusterIP: '172.30.0.10',
    ports: [
      { name: 'dns', port: 53, protocol: 'udp' },
      { name: 'dns-tcp', port: 53, protocol: 'tcp' },
      { name: 'metrics', port: 9153, protocol: 'tcp' },
    ],
    endpoints: [{ ip: '10.180.0.5' }, { ip: '10.180.0.6' }, { ip: '10.180.0.10', nodeName: 'node1' }, { ip: '10.180.0.9' }],
  },
  // TCP, UDP and SCTP on one port number; targetPort differs for TCP.
  {
    namespace: 'ns7', name: 'multi', clusterIP: '172.30.0.47',
    ports: [
      { name: 'dns-tcp', port: 53, protocol: 'tcp', targetPort: 5353 },
      { name: 'dns-udp', port: 53, protocol: 'udp' },
      { name: 'dns-sctp', port: 53, protocol: 'sctp' },
    ],
    endpoints: [{ ip: '10.180.0.1', nodeName: 'node1' }, { ip: '10.180.2.1', nodeName: 'node2' }],
  },
  // internalTrafficPolicy Local with a local endpoint (KUBE-SVL) and without one (DROP).
  { namespace: 'ns8', name: 'itp-local', internalTrafficPolicy: 'Local', clusterIP: '172.30.0.48', ports: [{ name: 'p80', port: 80, protocol: 'tcp' }], endpoints: [{ ip: '10.180.0.8', nodeName: 'node1' }, { ip: '10.180.1.8', nodeName: 'node2' }] },
  { namespace: 'ns9', name: 'itp-remote', internalTrafficPolicy: 'Local', clusterIP: '172.30.0.49', ports: [{ name: 'p80', port: 80, protocol: 'tcp' }], endpoints: [{ ip: '10.180.1.9', nodeName: 'node2' }] },
  // externalTrafficPolicy Local with local endpoints, session affinity over 3 endpoints.
  {
    namespace: 'ns10', name: 'etp-local', type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.50',
    ports: [{ name: 'http', port: 80, protocol: 'tcp', targetPort: 8080, nodePort: 30080 }], loadBalancerIPs: ['1.2.3.4'], externalIPs: ['192.168.99.11'],
    healthCheckNodePort: 30500, sessionAffinity: 'ClientIP', sessionAffinityTimeout: 600,
    endpoints: [{ ip: '10.180.0.21', nodeName: 'node1' }, { ip: '10.180.0.22', nodeName: 'node1' }, { ip: '10.180.3.23', nodeName: 'node3' }],
  },
  // LB source ranges including the node's own address (adds the LB-IP source rules).
  {
    namespace: 'ns11', name: 'lb-ranges', type: 'LoadBalancer', clusterIP: '172.30.0.51',
    ports: [{ name: 'p80', port: 80, protocol: 'tcp', nodePort: 30081 }], loadBalancerIPs: ['1.2.3.4', '5.6.7.8'],
    loadBalancerSourceRanges: ['192.168.0.0/24', ' 203.0.113.0/25'], endpoints: [{ ip: '10.180.0.31' }],
  },
  // No endpoints at all on every kind of address (REJECT), UDP; a not-ready endpoint does not count.
  {
    namespace: 'ns12', name: 'empty', type: 'LoadBalancer', clusterIP: '172.30.0.52', externalIPs: ['192.168.99.12'],
    ports: [{ name: 'dns', port: 53, protocol: 'udp', nodePort: 30053 }], loadBalancerIPs: ['5.6.7.8'], endpoints: [{ ip: '10.180.0.40', ready: false }],
  },
  // Unnamed port.
  { namespace: 'default', name: 'kubernetes', clusterIP: '172.30.0.1', ports: [{ name: 'https', port: 443, protocol: 'tcp', targetPort: 6443 }], endpoints: [{ ip: '192.168.0.2' }] },
  { namespace: 'ns13', name: 'unnamed', clusterIP: '172.30.0.53', ports: [{ name: '', port: 8080, protocol: 'tcp' }], endpoints: [{ ip: '10.180.0.50' }, { ip: '10.180.0.51' }, { ip: '10.180.0.52' }] },
];

/**
 * A synthetic cluster of `count` ClusterIP services with `endpoints` endpoints each (TCP port 80
 * → 8080), cluster IPs from 172.30.0.0/16 upwards and pod IPs from 10.0.0.0/8 upwards. Large
 * enough counts put kube-proxy in large-cluster mode (no endpoint comments).
 */
export function syntheticCluster(count: number, endpoints = 3): KubeService[] {
  const out: KubeService[] = [];
  let pod = 0;
  const ipv4 = (base: number, n: number): string => {
    const v = (base + n) >>> 0;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  };
  for (let i = 0; i < count; i++) {
    const eps = [];
    for (let e = 0; e < endpoints; e++) eps.push({ ip: ipv4(0x0a000000, 256 + pod++), nodeName: `node${(pod % 50) + 1}` });
    out.push({
      namespace: `ns${Math.floor(i / 100)}`, name: `svc${i}`, clusterIP: ipv4(0xac1e0000, 10 + i),
      ports: [{ name: 'http', port: 80, protocol: 'tcp', targetPort: 8080 }], endpoints: eps,
    });
  }
  return out;
}
