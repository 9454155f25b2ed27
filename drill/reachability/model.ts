/**
 * A reachability model of one seedshield cluster VPC: which flows exist, given what EC2 describes (security
 * groups, network ACLs, route tables, VGW route propagation, the ENIs of the NLB, NAT gateways, seed nodes,
 * jumpbox and interface VPC endpoints). moto stores all of that but has no notion of a packet or a flow, so
 * tests and the drill ask this model what AWS would let through.
 *
 * Pure: no AWS SDK, no clock. The semantics it encodes, each from AWS documentation:
 * - Security groups are stateful and track connections: "When you change a security group rule, its tracked
 *   connections are not immediately interrupted. The security group continues to allow packets until existing
 *   connections time out" (EC2 User Guide, "Amazon EC2 security group connection tracking"). Responses of a
 *   tracked flow pass regardless of the rules in the other direction. A flow is untracked only when the rules
 *   allow all traffic from and to 0.0.0.0/0 (::/0) both ways, and flows through a Network Load Balancer or a NAT
 *   gateway are "automatically tracked" (same page): an established peer session survives any SG change.
 * - Network ACLs are stateless: every packet, requests and responses, is evaluated; "Adding a network ACL that
 *   blocks traffic in either direction breaks existing connections" (same page). Entries are processed "in
 *   ascending order by rule number", the first match decides, and the final `*` entry denies (VPC User Guide,
 *   "Network ACLs" / "Network ACL rules"; EC2 API `NetworkAclEntry`). Inbound entries match the source address,
 *   outbound entries the destination; port ranges match the destination port. Traffic between two ENIs of the
 *   same subnet does not cross its ACL.
 * - Routes: longest prefix wins; on a tie a static route beats a propagated one. Routes a virtual private
 *   gateway advertises appear in a route table only while propagation from that gateway is enabled on it and
 *   the gateway is attached (VPC User Guide, "Route priority" and "Route propagation").
 * - A Network Load Balancer with client IP preservation hands the target the client's own address, so the
 *   target subnet's ACL must allow the client (ELB User Guide, "Client IP preservation"); its health checks
 *   come from the load balancer node's private address.
 * - A NAT gateway rewrites the source of outbound packets only: replies reach the private subnet with the
 *   internet host as their source (VPC User Guide, "NAT gateways").
 */
import { SeedshieldError } from '../../lambdas/errors';
import { DrillError } from '../errors';
import { parseCidr, type ParsedCidr } from '../../lib/config/cidr';

/** One network ACL entry, as `DescribeNetworkAcls` returns it. */
export interface AclEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly action: 'allow' | 'deny';
  /** IANA protocol number as a string, `-1` for all. */
  readonly protocol: string;
  /** IPv4 or IPv6 CIDR. */
  readonly cidr: string;
  readonly portFrom?: number;
  readonly portTo?: number;
}

/** One security group rule (one peer), flattened from an `IpPermission`. */
export interface SgRule {
  /** `-1`, `tcp`, `udp`, `icmp` or a protocol number. */
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  /** Peer CIDR, or... */
  readonly cidr?: string;
  /** ...peer security group. */
  readonly groupId?: string;
}

/** A security group. */
export interface SecurityGroupView {
  readonly id: string;
  readonly ingress: readonly SgRule[];
  readonly egress: readonly SgRule[];
}

/** Where a route sends packets. */
export type RouteTarget = 'local' | 'igw' | 'nat' | 'vgw' | 'blackhole';

/** One route (static, or as `DescribeRouteTables` lists it). */
export interface RouteView {
  readonly destination: string;
  readonly target: RouteTarget;
  /** The NAT gateway / VGW / IGW id. */
  readonly targetId?: string;
}

/** A route table. */
export interface RouteTableView {
  readonly id: string;
  readonly routes: readonly RouteView[];
  /** VGWs whose routes propagate into this table (`PropagatingVgws`). */
  readonly propagatingVgwIds: readonly string[];
}

/** A subnet and what governs it. */
export interface SubnetView {
  readonly id: string;
  readonly networkAclId: string;
  readonly routeTableId: string;
}

/** What one network interface is for. */
export type EniRole = 'nlb' | 'nat' | 'seed-node' | 'jumpbox' | 'endpoint';

/** A network interface of the cluster. */
export interface EniView {
  readonly id: string;
  readonly role: EniRole;
  readonly subnetId: string;
  /** Private IPv4 address. */
  readonly ip: string;
  readonly securityGroupIds: readonly string[];
  /** For `endpoint`: the AWS service short name (`ssm`, `logs`, ...). For `nat`: the NAT gateway id. */
  readonly service?: string;
}

/** A virtual private gateway and the site routes it would propagate (learned over BGP or static on the VPN). */
export interface VpnGatewayView {
  readonly id: string;
  readonly attached: boolean;
  readonly advertisedCidrs: readonly string[];
}

/** Everything the model evaluates: one cluster VPC as EC2 describes it. */
export interface NetworkSnapshot {
  readonly vpcCidrs: readonly string[];
  readonly subnets: readonly SubnetView[];
  readonly networkAcls: Readonly<Record<string, readonly AclEntry[]>>;
  readonly routeTables: readonly RouteTableView[];
  readonly securityGroups: readonly SecurityGroupView[];
  readonly enis: readonly EniView[];
  readonly vpnGateway?: VpnGatewayView;
  /** Site CIDRs of the block producer. */
  readonly siteCidrs: readonly string[];
}

/** The kinds of flow the invariants reason about. */
export type FlowKind = 'peer' | 'peer-established' | 'health-check' | 'egress' | 'bp' | 'operator-jumpbox' | 'operator-node' | 'agent-metrics';

/** The verdict on one flow. */
export interface FlowVerdict {
  readonly name: string;
  readonly kind: FlowKind;
  readonly reachable: boolean;
  /** Why not (the first check that failed), when unreachable. */
  readonly blockedBy?: string;
}

/** Ports the flows use. */
export const FLOW_PORTS = { p2p: 9876, https: 443, ssh: 22, ephemeral: 40000 } as const;
/** An internet peer and an internet host the nodes fetch from (RFC 2544 benchmarking range: in no site config). */
export const INTERNET_PEER_IP = '198.18.0.7';
const INTERNET_HOST_IP = '198.18.1.9';
/** Public address of an AWS regional service endpoint (stands for any: they all sit on the internet). */
const AWS_PUBLIC_ENDPOINT_IP = '52.94.0.10';
/** Services a Session Manager session needs on the instance side (SSM Agent), and `ssm` for StartSession. */
export const SESSION_MANAGER_SERVICES = ['ssm', 'ssmmessages', 'ec2messages'] as const;
/**
 * What the SSM Agent on the target also reaches for a logged session: CloudWatch Logs (it checks the log
 * group's encryption, then streams the session to it). The cluster's session document logs every session.
 */
export const SESSION_LOGGING_SERVICES = ['logs'] as const;
/** What the Session Manager plugin on the jumpbox reaches to open a session to a node: the API, then the data channel. */
export const SESSION_CLIENT_SERVICES = ['ssm', 'ssmmessages'] as const;
/** Where the node agent publishes its chain-health metrics (`PutMetricData`). */
export const AGENT_METRICS_SERVICE = 'monitoring';

interface Packet {
  readonly src: string;
  readonly dst: string;
  readonly protocol: '6';
  readonly dstPort: number;
}

/** Where a packet starts or ends: an ENI of the VPC or a host outside it. */
type Place = { readonly eni: EniView } | { readonly outside: string };

/** A packet's path ends here (no ENI, no route): the flow is blocked, not the evaluation broken. */
class Blocked extends SeedshieldError {
  readonly code: string = 'FLOW_BLOCKED';
}

/**
 * Evaluates every flow of the cluster in `now`.
 *
 * @param establishedUnder the world in which the established peer sessions were opened (before a cut): those
 *   sessions' security-group checks pass if they passed then (tracked connections survive rule changes);
 *   every stateless check (ACLs, routes) is made in `now`. @default - `now` (established = new)
 */
export function evaluateFlows(now: NetworkSnapshot, establishedUnder: NetworkSnapshot = now): FlowVerdict[] {
  const m = new Model(now);
  const before = new Model(establishedUnder);
  const verdicts: FlowVerdict[] = [];
  const judge = (name: string, kind: FlowKind, check: () => void) => {
    try {
      check();
      verdicts.push({ name, kind, reachable: true });
    } catch (err) {
      if (!(err instanceof Blocked)) throw err;
      verdicts.push({ name, kind, reachable: false, blockedBy: err.message });
    }
  };
  const nodes = m.enis('seed-node');
  const nlbs = m.enis('nlb');
  const peer = { outside: INTERNET_PEER_IP };

  const loggedSessionTo = (target: EniView) => {
    for (const service of [...SESSION_MANAGER_SERVICES, ...SESSION_LOGGING_SERVICES]) m.toService(target, service);
  };
  for (const node of nodes) {
    judge(`${node.id} node agent -> CloudWatch metrics`, 'agent-metrics', () => m.toService(node, AGENT_METRICS_SERVICE));
    judge(`internet peer -> NLB -> ${node.id} (new)`, 'peer', () => anyOf(nlbs, (nlb) => m.peerSession(peer, nlb, node, undefined)));
    judge(`internet peer -> NLB -> ${node.id} (established)`, 'peer-established', () =>
      anyOf(nlbs, (nlb) => {
        before.peerSession(peer, nlb, node, undefined); // it had to exist to be established
        m.peerSession(peer, nlb, node, before);
      }),
    );
    judge(`NLB health check -> ${node.id}`, 'health-check', () => anyOf(nlbs, (nlb) => m.tcp({ eni: nlb }, { eni: node }, FLOW_PORTS.p2p)));
    judge(`${node.id} -> internet via NAT`, 'egress', () => m.viaNat(node, INTERNET_HOST_IP, FLOW_PORTS.https));
    for (const site of now.siteCidrs) {
      judge(`${node.id} <-> site ${site}`, 'bp', () => m.tcp({ eni: node }, { outside: hostIn(site) }, FLOW_PORTS.p2p));
    }
  }
  for (const jumpbox of m.enis('jumpbox')) {
    judge(`operator session -> ${jumpbox.id}`, 'operator-jumpbox', () => loggedSessionTo(jumpbox));
    for (const node of nodes) {
      // From the jumpbox: `aws ssm start-session --target <node>` (the ssm API and the plugin's data channel
      // from the jumpbox; the agent's channels and the session log from the node). Nothing connects to the
      // node itself: the cluster opens no port for operators.
      judge(`operator session -> ${jumpbox.id} -> ${node.id}`, 'operator-node', () => {
        for (const service of SESSION_CLIENT_SERVICES) m.toService(jumpbox, service);
        loggedSessionTo(node);
      });
    }
  }
  return verdicts;
}

function anyOf<T>(xs: readonly T[], f: (x: T) => void): void {
  if (xs.length === 0) throw new Blocked('no such network interface in the VPC');
  let last: unknown;
  for (const x of xs) {
    try {
      f(x);
      return;
    } catch (err) {
      if (!(err instanceof Blocked)) throw err;
      last = err;
    }
  }
  throw last;
}

/** An address inside `cidr` (its 10th). */
function hostIn(cidr: string): string {
  const p = parse(cidr);
  const addr = p.network + 10n;
  if (p.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((addr >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

function parse(cidrOrIp: string): ParsedCidr {
  const text = cidrOrIp.includes('/') ? cidrOrIp : `${cidrOrIp}/${cidrOrIp.includes(':') ? 128 : 32}`;
  const p = parseCidr(text);
  if (!p) throw new DrillError(`not a CIDR or address: ${cidrOrIp}`);
  return p;
}

/** Whether address `ip` lies in `cidr` (different families never match). */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parse(cidr);
  const a = parse(ip);
  if (c.family !== a.family) return false;
  const shift = BigInt((c.family === 4 ? 32 : 128) - c.prefixLength);
  return c.network >> shift === a.network >> shift;
}

function portMatches(from: number | undefined, to: number | undefined, port: number): boolean {
  if (from === undefined || to === undefined || from === -1) return true;
  return port >= from && port <= to;
}

function protocolMatches(ruleProtocol: string, packetProtocol: '6'): boolean {
  return ruleProtocol === '-1' || ruleProtocol === 'all' || ruleProtocol === packetProtocol || (ruleProtocol === 'tcp' && packetProtocol === '6');
}

/**
 * The verdict of one ACL on one packet: entries in ascending rule number, first match wins, no match denies.
 * @returns the deciding entry, or undefined for the implicit `*` deny
 */
export function aclDecision(entries: readonly AclEntry[], egress: boolean, peerIp: string, protocol: '6', port: number): AclEntry | undefined {
  const ordered = entries.filter((e) => e.egress === egress).sort((a, b) => a.ruleNumber - b.ruleNumber);
  return ordered.find((e) => protocolMatches(e.protocol, protocol) && cidrContains(e.cidr, peerIp) && portMatches(e.portFrom, e.portTo, port));
}

class Model {
  readonly #s: NetworkSnapshot;

  constructor(s: NetworkSnapshot) {
    this.#s = s;
  }

  enis(role: EniRole): EniView[] {
    return this.#s.enis.filter((e) => e.role === role);
  }

  /**
   * An internet peer's p2p session through the NLB to a node, both legs, requests and responses.
   * @param trackedUnder when the session is established: the model where it was opened (SG checks there)
   */
  peerSession(peer: { outside: string }, nlb: EniView, node: EniView, trackedUnder: Model | undefined): void {
    // Leg 1: peer <-> NLB node. Leg 2: NLB node <-> target, carrying the client's address (client IP preservation).
    this.tcp(peer, { eni: nlb }, FLOW_PORTS.p2p, trackedUnder);
    this.tcp({ eni: nlb }, { eni: node }, FLOW_PORTS.p2p, trackedUnder, peer.outside);
  }

  /** A node's connection to an internet host through its NAT gateway, both ways. */
  viaNat(node: EniView, host: string, port: number): void {
    const route = this.route(this.subnet(node.subnetId), host);
    if (route?.target !== 'nat') throw new Blocked(`${node.id}: no route to ${host} through a NAT gateway`);
    const nat = this.#s.enis.find((e) => e.role === 'nat' && e.service === route.targetId);
    if (!nat) throw new Blocked(`NAT gateway ${route.targetId} has no interface in the VPC`);
    this.sgAllowsOut(node, host, port);
    // node -> NAT (source the node), NAT -> host (source the NAT); replies: host -> NAT, NAT -> node (source the host).
    this.crossAcls(node, nat, { src: node.ip, dst: host, protocol: '6', dstPort: port });
    this.leaveVpc(nat, { src: nat.ip, dst: host, protocol: '6', dstPort: port });
    this.enterVpc(nat, { src: host, dst: nat.ip, protocol: '6', dstPort: FLOW_PORTS.ephemeral });
    this.crossAcls(nat, node, { src: host, dst: node.ip, protocol: '6', dstPort: FLOW_PORTS.ephemeral });
  }

  /** An ENI reaching an AWS service: its interface endpoint in the VPC when there is one, else the public endpoint via NAT. */
  toService(from: EniView, service: string): void {
    const endpoints = this.#s.enis.filter((e) => e.role === 'endpoint' && e.service === service);
    if (endpoints.length > 0) {
      anyOf(endpoints, (ep) => this.tcp({ eni: from }, { eni: ep }, FLOW_PORTS.https));
      return;
    }
    try {
      this.viaNat(from, AWS_PUBLIC_ENDPOINT_IP, FLOW_PORTS.https);
    } catch (err) {
      if (err instanceof Blocked) throw new Blocked(`${service}: no interface endpoint, and the public endpoint is unreachable (${err.message})`);
      throw err;
    }
  }

  /**
   * A TCP connection from `a` to `b:port`, requests and responses.
   * @param trackedUnder established flow: security groups are judged where it was opened
   * @param clientIp the source address `b` sees (NLB client IP preservation)
   */
  tcp(a: Place, b: Place, port: number, trackedUnder?: Model, clientIp?: string): void {
    const aIp = 'eni' in a ? a.eni.ip : a.outside;
    const bIp = 'eni' in b ? b.eni.ip : b.outside;
    const srcSeenByB = clientIp ?? aIp;
    const sg = trackedUnder ?? this;
    if ('eni' in a) sg.sgAllowsOut(a.eni, bIp, port);
    if ('eni' in b) sg.sgAllowsIn(b.eni, srcSeenByB, port, 'eni' in a ? a.eni : undefined);
    const request: Packet = { src: srcSeenByB, dst: bIp, protocol: '6', dstPort: port };
    const response: Packet = { src: bIp, dst: srcSeenByB, protocol: '6', dstPort: FLOW_PORTS.ephemeral };
    if ('eni' in a && 'eni' in b) {
      // Inside the VPC (local route): the ACLs of both subnets, both directions.
      this.crossAcls(a.eni, b.eni, { ...request, src: aIp }, srcSeenByB);
      this.crossAcls(b.eni, a.eni, response);
    } else if ('eni' in a) {
      this.leaveVpc(a.eni, request);
      this.enterVpc(a.eni, response);
    } else if ('eni' in b) {
      this.enterVpc(b.eni, request);
      this.leaveVpc(b.eni, response);
    }
  }

  /** A packet from `from` to `to` inside the VPC: `from`'s outbound ACL and `to`'s inbound ACL, unless same subnet. */
  crossAcls(from: EniView, to: EniView, p: Packet, srcSeenByTarget: string = p.src): void {
    if (from.subnetId === to.subnetId) return;
    this.acl(this.subnet(from.subnetId), true, p.dst, p.dstPort, `${from.id} -> ${to.id}`);
    this.acl(this.subnet(to.subnetId), false, srcSeenByTarget, p.dstPort, `${from.id} -> ${to.id}`);
  }

  /** A packet leaving the VPC from `eni`: a route out, and the subnet's outbound ACL. */
  leaveVpc(eni: EniView, p: Packet): void {
    const subnet = this.subnet(eni.subnetId);
    const route = this.route(subnet, p.dst);
    const wanted: RouteTarget = this.isSite(p.dst) ? 'vgw' : 'igw';
    if (route?.target !== wanted) throw new Blocked(`${eni.id}: no route to ${p.dst} through the ${wanted} (${route?.target ?? 'none'})`);
    this.acl(subnet, true, p.dst, p.dstPort, `${eni.id} -> ${p.dst}`);
  }

  /** A packet entering the VPC to `eni`: the subnet's inbound ACL (and a way back, checked on the response). */
  enterVpc(eni: EniView, p: Packet): void {
    this.acl(this.subnet(eni.subnetId), false, p.src, p.dstPort, `${p.src} -> ${eni.id}`);
  }

  acl(subnet: SubnetView, egress: boolean, peerIp: string, port: number, what: string): void {
    const entries = this.#s.networkAcls[subnet.networkAclId];
    if (!entries) throw new Blocked(`network ACL ${subnet.networkAclId} of ${subnet.id} is not in the snapshot`);
    const hit = aclDecision(entries, egress, peerIp, '6', port);
    if (hit?.action !== 'allow') {
      throw new Blocked(`${what}: ${egress ? 'outbound' : 'inbound'} ACL ${subnet.networkAclId} ${hit ? `rule ${hit.ruleNumber} denies ${hit.cidr}` : 'has no allow (the * rule denies)'}`);
    }
  }

  route(subnet: SubnetView, dst: string): RouteView | undefined {
    const table = this.#s.routeTables.find((t) => t.id === subnet.routeTableId);
    if (!table) throw new Blocked(`route table ${subnet.routeTableId} of ${subnet.id} is not in the snapshot`);
    const vgw = this.#s.vpnGateway;
    const propagated: RouteView[] =
      vgw && vgw.attached && table.propagatingVgwIds.includes(vgw.id)
        ? vgw.advertisedCidrs.map((destination) => ({ destination, target: 'vgw' as const, targetId: vgw.id }))
        : [];
    const local: RouteView[] = this.#s.vpcCidrs.map((destination) => ({ destination, target: 'local' as const }));
    const candidates = [...local, ...table.routes.map((r) => ({ ...r, static: true })), ...propagated.map((r) => ({ ...r, static: false }))]
      .filter((r) => cidrContains(r.destination, dst))
      .map((r) => ({ r, len: parse(r.destination).prefixLength, static: 'static' in r ? r.static : true }));
    candidates.sort((x, y) => y.len - x.len || Number(y.static) - Number(x.static));
    const best = candidates[0]?.r;
    if (best?.target === 'vgw' && !(vgw && vgw.attached)) return undefined;
    return best;
  }

  isSite(ip: string): boolean {
    return this.#s.siteCidrs.some((c) => cidrContains(c, ip));
  }

  subnet(id: string): SubnetView {
    const s = this.#s.subnets.find((x) => x.id === id);
    if (!s) throw new Blocked(`subnet ${id} is not in the snapshot`);
    return s;
  }

  groups(eni: EniView): SecurityGroupView[] {
    return eni.securityGroupIds.map((id) => {
      const g = this.#s.securityGroups.find((x) => x.id === id);
      if (!g) throw new Blocked(`security group ${id} of ${eni.id} is not in the snapshot`);
      return g;
    });
  }

  sgAllowsIn(eni: EniView, srcIp: string, port: number, srcEni: EniView | undefined): void {
    if (eni.role === 'nat') return; // NAT gateways have no security groups
    const ok = this.groups(eni).some((g) => g.ingress.some((r) => this.sgRuleMatches(r, srcIp, port, srcEni)));
    if (!ok) throw new Blocked(`security groups of ${eni.id} allow no inbound tcp ${port} from ${srcEni?.id ?? srcIp}`);
  }

  sgAllowsOut(eni: EniView, dstIp: string, port: number): void {
    if (eni.role === 'nat') return;
    const dstEni = this.#s.enis.find((e) => e.ip === dstIp);
    const ok = this.groups(eni).some((g) => g.egress.some((r) => this.sgRuleMatches(r, dstIp, port, dstEni)));
    if (!ok) throw new Blocked(`security groups of ${eni.id} allow no outbound tcp ${port} to ${dstIp}`);
  }

  sgRuleMatches(r: SgRule, peerIp: string, port: number, peerEni: EniView | undefined): boolean {
    if (!(r.protocol === '-1' || r.protocol === 'tcp' || r.protocol === '6')) return false;
    if (r.protocol !== '-1' && !portMatches(r.fromPort, r.toPort, port)) return false;
    if (r.cidr) return cidrContains(r.cidr, peerIp);
    if (r.groupId) return peerEni !== undefined && peerEni.securityGroupIds.includes(r.groupId);
    return false;
  }
}

/** The verdicts of `kind`, or every verdict. */
export function flowsOf(verdicts: readonly FlowVerdict[], ...kinds: FlowKind[]): FlowVerdict[] {
  return verdicts.filter((v) => kinds.includes(v.kind));
}
