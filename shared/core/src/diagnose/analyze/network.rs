//! The network path of an `awsvpc` task, checked the way the AWS troubleshooting guides walk it
//! ("Troubleshoot Amazon ECS ResourceInitializationError errors", "…CannotPullContainer task
//! errors"): for each thing the task must reach before it runs, a route (internet gateway with a
//! public IP, NAT gateway) or a VPC endpoint; then security-group egress, the subnet's network
//! ACL, and free addresses in the subnet.
//!
//! Decisions worth knowing:
//! - An interface endpoint serves the task only with private DNS enabled (otherwise the default
//!   service name resolves to public addresses); it need not sit in the task's subnet, because the
//!   VPC's `local` route reaches it. The S3 *gateway* endpoint serves a subnet only when it is
//!   associated with that subnet's route table.
//! - Security groups and NACLs do not filter traffic to the Amazon DNS server, so DNS is not
//!   checked. An endpoint's own security group is not in the views, so it is not checked either.
//! - NACL rules are matched for a *class* of destination, because the exact addresses of AWS
//!   services are not known here: "the internet" is matched only by `0.0.0.0/0`, "the VPC" (where
//!   interface endpoints live) by `0.0.0.0/0` or any rule overlapping private address space. The
//!   lowest-numbered matching rule decides; none matching is the default `*` deny.
//! - Return traffic: the task's own ephemeral ports (Linux: 32768–60999) must be allowed inbound;
//!   a deny there is a Problem. The wider 1024–65535 that AWS recommends (NAT gateways use it) is a
//!   Warning when only the part outside the Linux range is denied.
//! - Free addresses: each task needs one. Zero free addresses stops every new task in the subnet;
//!   that is a launch (placement) failure, not `eni_provisioning_timeout` (an ENI that was created
//!   but not attached in time). It refines `insufficient_resources` only for a launch failure the
//!   classifier could not explain; with `eni_provisioning_timeout` it is a Problem that keeps the
//!   category; after any other stop it is a Warning for the next task. Fewer than 5 is a Warning
//!   (a rolling deployment starts new tasks before it stops old ones).

use std::fmt;

use super::taskdef::{secret_store, SecretStore};
use super::{is_unexplained_launch, join_and};
use crate::diagnose::finding::{Check, Finding, Verdict};
use crate::diagnose::view::{
    NaclEntryView, SecurityGroupView, SgRuleView, SubnetView, TaskDefinitionView, VpcEndpointView,
};
use crate::image::ImageRef;
use crate::taxonomy::{Category, Family};

/// Something the task must reach over the network before (or while) it runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// ECR's API (`GetAuthorizationToken`): `ecr.api`.
    EcrApi,
    /// ECR's registry (manifests): `ecr.dkr`.
    EcrDkr,
    /// S3: ECR image layers and `environmentFiles`.
    S3,
    /// CloudWatch Logs (the awslogs driver).
    Logs,
    SecretsManager,
    /// SSM Parameter Store.
    Ssm,
    Kms,
    Sts,
    /// A registry no VPC endpoint here can serve (Docker Hub, another registry, another region's
    /// ECR), by host name: only a route to the internet reaches it.
    Registry(String),
}

impl Need {
    /// The suffix of the VPC endpoint service (`com.amazonaws.<region>.<suffix>`).
    pub fn endpoint_suffix(&self) -> Option<&'static str> {
        match self {
            Need::EcrApi => Some("ecr.api"),
            Need::EcrDkr => Some("ecr.dkr"),
            Need::S3 => Some("s3"),
            Need::Logs => Some("logs"),
            Need::SecretsManager => Some("secretsmanager"),
            Need::Ssm => Some("ssm"),
            Need::Kms => Some("kms"),
            Need::Sts => Some("sts"),
            Need::Registry(_) => None,
        }
    }

    /// The stop a failure to reach it causes. S3 serves both image layers and environment files;
    /// it counts as the image pull's when the task also pulls from ECR (the pull comes first).
    fn category(&self, needs: &[Need]) -> Option<Category> {
        match self {
            Need::EcrApi | Need::EcrDkr | Need::Registry(_) => Some(Category::ImagePullNetwork),
            Need::S3 if needs.contains(&Need::EcrDkr) => Some(Category::ImagePullNetwork),
            Need::S3 => Some(Category::EnvFileNetwork),
            Need::Logs => Some(Category::LogDriverNetwork),
            Need::SecretsManager | Need::Ssm | Need::Kms => Some(Category::SecretsFetchNetwork),
            Need::Sts => None,
        }
    }
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Need::Registry(host) => f.write_str(host),
            other => f.write_str(other.endpoint_suffix().unwrap_or_default()),
        }
    }
}

/// What the task definition makes the task reach, in `region` (the task's): ECR images need
/// `ecr.api`, `ecr.dkr` and `s3` (layers); images elsewhere need their registry over the
/// internet; awslogs needs `logs`; secrets need `secretsmanager` or `ssm`; environment files need
/// `s3`. KMS is not a need of the task: Secrets Manager and SSM decrypt on the service side.
pub fn needs_for(td: &TaskDefinitionView, region: &str) -> Vec<Need> {
    let mut needs = Vec::new();
    for c in &td.containers {
        if let Ok(r) = ImageRef::parse(&c.image) {
            match r.ecr() {
                Some((_, r_region)) if r_region == region || region.is_empty() => {
                    needs.extend([Need::EcrApi, Need::EcrDkr, Need::S3]);
                }
                _ if r.is_docker_hub() => {
                    needs.push(Need::Registry("registry-1.docker.io".to_owned()));
                }
                _ => needs.push(Need::Registry(r.registry.clone().unwrap_or_default())),
            }
        }
        if let Some(log) = &c.log {
            let cloudwatch = log.driver == "awslogs"
                || (log.driver == "awsfirelens"
                    && matches!(log.option("Name"), Some("cloudwatch" | "cloudwatch_logs")));
            if cloudwatch {
                needs.push(Need::Logs);
            }
        }
        for s in &c.secrets {
            needs.push(match secret_store(&s.value_from) {
                SecretStore::SecretsManager => Need::SecretsManager,
                SecretStore::ParameterStore => Need::Ssm,
            });
        }
        if !c.environment_files.is_empty() {
            needs.push(Need::S3);
        }
    }
    needs.sort();
    needs.dedup();
    needs
}

/// The subnet's IPv4 default route, as far as the task cares.
enum Path<'a> {
    Igw(&'a str),
    Nat(&'a str),
    Blackhole(&'a str),
    /// Transit gateway, peering, a NAT instance's ENI, …: egress continues elsewhere.
    Other(&'a str),
    None,
}

fn default_route(s: &SubnetView) -> Path<'_> {
    let Some(r) = s.routes.iter().find(|r| r.destination == "0.0.0.0/0") else {
        return Path::None;
    };
    let t = r.target.as_str();
    if r.state
        .as_deref()
        .is_some_and(|st| st.eq_ignore_ascii_case("blackhole"))
    {
        Path::Blackhole(t)
    } else if t.starts_with("igw-") {
        Path::Igw(t)
    } else if t.starts_with("nat-") {
        Path::Nat(t)
    } else {
        Path::Other(t)
    }
}

fn available(e: &VpcEndpointView) -> bool {
    e.state
        .as_deref()
        .is_none_or(|s| s.eq_ignore_ascii_case("available"))
}

/// The endpoint that serves `need` from `subnet`, or why each candidate does not.
fn endpoint_for<'a>(
    need: &Need,
    subnet: &SubnetView,
    endpoints: &'a [VpcEndpointView],
) -> Result<&'a VpcEndpointView, Vec<String>> {
    let Some(suffix) = need.endpoint_suffix() else {
        return Err(Vec::new());
    };
    let dotted = format!(".{suffix}");
    let mut why_not = Vec::new();
    for e in endpoints
        .iter()
        .filter(|e| e.service_name.ends_with(&dotted))
    {
        let gateway = e.kind.eq_ignore_ascii_case("Gateway");
        if !available(e) {
            why_not.push(format!(
                "{} ({suffix}) is {}",
                e.id,
                e.state.as_deref().unwrap_or_default()
            ));
        } else if gateway {
            let rtb = subnet.route_table_id.as_deref();
            if rtb.is_some_and(|rtb| e.route_table_ids.iter().any(|r| r == rtb)) {
                return Ok(e);
            }
            why_not.push(format!(
                "{} ({suffix} gateway) is not associated with route table {} of {}",
                e.id,
                rtb.unwrap_or("(unknown)"),
                subnet.id
            ));
        } else if e.private_dns {
            return Ok(e);
        } else {
            why_not.push(format!(
                "{} ({suffix} interface) has private DNS disabled, so the service's default name does not resolve to it",
                e.id
            ));
        }
    }
    Err(why_not)
}

/// Where traffic goes, for matching security-group and NACL rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    /// Public AWS (or registry) addresses, via an internet or NAT gateway.
    Internet,
    /// Interface endpoints' addresses inside the VPC.
    Vpc,
    /// The S3 gateway endpoint (the S3 prefix list).
    S3Gateway,
}

impl Dest {
    fn describe(self) -> &'static str {
        match self {
            Dest::Internet => "0.0.0.0/0",
            Dest::Vpc => "the VPC endpoints",
            Dest::S3Gateway => "the S3 prefix list",
        }
    }
}

/// How each need of one subnet is served.
struct SubnetPlan<'a> {
    via_endpoint: Vec<(&'a Need, &'a VpcEndpointView)>,
    via_route: Vec<&'a Need>,
    endpoint_notes: Vec<String>,
}

fn plan<'a>(
    subnet: &SubnetView,
    endpoints: &'a [VpcEndpointView],
    needs: &'a [Need],
) -> SubnetPlan<'a> {
    let mut p = SubnetPlan {
        via_endpoint: Vec::new(),
        via_route: Vec::new(),
        endpoint_notes: Vec::new(),
    };
    for need in needs {
        match endpoint_for(need, subnet, endpoints) {
            Ok(e) => p.via_endpoint.push((need, e)),
            Err(notes) => {
                p.endpoint_notes.extend(notes);
                p.via_route.push(need);
            }
        }
    }
    p
}

fn labels(needs: &[&Need]) -> String {
    join_and(&needs.iter().map(|n| n.to_string()).collect::<Vec<_>>())
}

/// The category a broken path proves, given the stop's category and what cannot be reached: the
/// network category of the stop is kept when a need of that kind is unreachable;
/// `image_pull_access_denied` and `log_group_missing` become their `_network` label when ECR /
/// CloudWatch Logs is unreachable (the AWS docs note "cannot find the log group" can be a network
/// problem); an unexplained launch failure takes the category of the first unreachable need.
fn refine(category: Category, unreachable: &[&Need], needs: &[Need]) -> Option<Category> {
    let kinds: Vec<Category> = unreachable
        .iter()
        .filter_map(|n| n.category(needs))
        .collect();
    let target = match category {
        Category::ImagePullAccessDenied => Category::ImagePullNetwork,
        Category::LogGroupMissing => Category::LogDriverNetwork,
        c if c.family() == Family::TaskEgressNetwork => c,
        c if is_unexplained_launch(c) => return kinds.first().copied(),
        _ => return None,
    };
    kinds.contains(&target).then_some(target)
}

/// A network Problem when it explains this stop (it refines, or the stop is a network stop),
/// else a Warning about the next task.
fn path_finding(
    summary: String,
    category: Category,
    refines: Option<Category>,
    details: Vec<String>,
) -> Finding {
    let explains = refines.is_some() || category.family() == Family::TaskEgressNetwork;
    let mut f = Finding::new(
        Check::Network,
        if explains {
            Verdict::Problem
        } else {
            Verdict::Warning
        },
        summary,
    )
    .with_details(details);
    if let Some(c) = refines {
        f = f.refining(c);
    }
    f
}

fn add_dest<'a>(d: Dest, n: &[&'a Need], dests: &mut Vec<(Dest, Vec<&'a Need>)>) {
    if n.is_empty() {
        return;
    }
    match dests.iter_mut().find(|(x, _)| *x == d) {
        Some((_, v)) => {
            for need in n {
                if !v.contains(need) {
                    v.push(need);
                }
            }
        }
        None => dests.push((d, n.to_vec())),
    }
}

/// The network path of the task's subnets. `needs` from [`needs_for`]; `public_ip` whether the
/// task has a public IP (`assignPublicIp`), `None` when unknown; `category` the classifier's.
pub fn analyze_network(
    subnets: &[SubnetView],
    endpoints: &[VpcEndpointView],
    sgs: &[SecurityGroupView],
    needs: &[Need],
    public_ip: Option<bool>,
    category: Category,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut dests: Vec<(Dest, Vec<&Need>)> = Vec::new();
    for subnet in subnets {
        let p = plan(subnet, endpoints, needs);
        let path = default_route(subnet);
        out.push(route_finding(subnet, &path, &p, needs, public_ip, category));
        // What this subnet sends where, for the security-group and NACL checks.
        let mut subnet_dests: Vec<(Dest, Vec<&Need>)> = Vec::new();
        if matches!(path, Path::Igw(_) | Path::Nat(_) | Path::Other(_)) {
            add_dest(Dest::Internet, &p.via_route, &mut subnet_dests);
        }
        let (gw, iface): (Vec<_>, Vec<_>) = p
            .via_endpoint
            .iter()
            .partition(|(_, e)| e.kind.eq_ignore_ascii_case("Gateway"));
        add_dest(
            Dest::Vpc,
            &iface.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            &mut subnet_dests,
        );
        add_dest(
            Dest::S3Gateway,
            &gw.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            &mut subnet_dests,
        );
        if !subnet.nacl_entries.is_empty() {
            out.extend(nacl_finding(subnet, &subnet_dests, needs, category));
        }
        for (d, n) in subnet_dests {
            add_dest(d, &n, &mut dests);
        }
        out.extend(free_ips(subnet, category));
    }
    if !sgs.is_empty() && !dests.is_empty() {
        out.push(sg_finding(sgs, &dests, needs, category));
    }
    out
}

fn route_details(subnet: &SubnetView, p: &SubnetPlan<'_>, needs: &[Need]) -> Vec<String> {
    let mut d = Vec::new();
    let rtb = subnet
        .route_table_id
        .as_deref()
        .unwrap_or("its route table");
    for r in &subnet.routes {
        let state = r
            .state
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        d.push(format!("{rtb}: {} → {}{state}", r.destination, r.target));
    }
    if subnet.routes.is_empty() {
        d.push(format!("{rtb}: no routes read"));
    }
    for (n, e) in &p.via_endpoint {
        d.push(format!("{n}: served by {} ({})", e.id, e.kind));
    }
    d.extend(p.endpoint_notes.iter().cloned());
    if needs
        .iter()
        .any(|n| matches!(n, Need::SecretsManager | Need::Ssm))
    {
        d.push(
            "Secrets Manager and SSM decrypt with KMS on the service side: the task needs no KMS endpoint, but the execution role needs kms:Decrypt on a customer managed key."
                .to_owned(),
        );
    }
    d
}

fn route_finding(
    subnet: &SubnetView,
    path: &Path<'_>,
    p: &SubnetPlan<'_>,
    needs: &[Need],
    public_ip: Option<bool>,
    category: Category,
) -> Finding {
    let id = &subnet.id;
    let details = route_details(subnet, p, needs);
    if needs.is_empty() {
        let route = match path {
            Path::Igw(t) | Path::Nat(t) | Path::Other(t) => format!("a default route to {t}"),
            Path::Blackhole(t) => format!("a blackhole default route to {t}"),
            Path::None => "no default route".to_owned(),
        };
        return Finding::new(Check::Network, Verdict::Info, format!("{id} has {route}."))
            .with_details(details);
    }
    let all: Vec<&Need> = needs.iter().collect();
    if p.via_route.is_empty() {
        return Finding::new(
            Check::Network,
            Verdict::Ok,
            format!("{id} reaches {} through VPC endpoints.", labels(&all)),
        )
        .with_details(details);
    }
    let via = labels(&p.via_route);
    let broken = |summary: String| {
        let refines = refine(category, &p.via_route, needs);
        path_finding(summary, category, refines, details.clone())
    };
    match path {
        Path::Nat(t) => Finding::new(
            Check::Network,
            Verdict::Ok,
            format!("{id} reaches {via} through NAT gateway {t}."),
        )
        .with_details(details),
        Path::Igw(t) => match public_ip {
            Some(true) => Finding::new(
                Check::Network,
                Verdict::Ok,
                format!("{id} reaches {via} through internet gateway {t} with the task's public IP."),
            )
            .with_details(details),
            Some(false) => broken(format!(
                "{id} routes to the internet through {t}, but the task has no public IP, so it cannot reach {via}: enable assignPublicIp or move the task to a private subnet with a NAT gateway."
            )),
            None => Finding::new(
                Check::Network,
                Verdict::Warning,
                format!(
                    "{id} routes to the internet through {t}: the task reaches {via} only with a public IP, which could not be confirmed."
                ),
            )
            .with_details(details),
        },
        Path::Blackhole(t) => broken(format!(
            "{id}'s default route to {t} is a blackhole (the gateway was deleted or failed), so the task cannot reach {via}."
        )),
        Path::Other(t) => Finding::new(
            Check::Network,
            Verdict::Info,
            format!("{id}'s default route goes to {t}: whether {via} can be reached beyond it was not checked."),
        )
        .with_details(details),
        Path::None => broken(format!(
            "{id} has no route to the internet and no VPC endpoint for {via}."
        )),
    }
}

fn tcp(protocol: &str) -> Option<bool> {
    // `Some(true)`: every protocol; `Some(false)`: TCP only; `None`: not TCP.
    match protocol.to_ascii_lowercase().as_str() {
        "-1" | "all" => Some(true),
        "6" | "tcp" => Some(false),
        _ => None,
    }
}

fn covers(from: Option<i32>, to: Option<i32>, port: i32) -> bool {
    let from = from.filter(|f| *f >= 0).unwrap_or(0);
    let to = to.filter(|t| *t >= 0).unwrap_or(65535);
    (from..=to).contains(&port)
}

fn parse_cidr(cidr: &str) -> Option<(u32, u32)> {
    let (addr, len) = cidr.split_once('/')?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let mut ip: u32 = 0;
    let mut parts = 0;
    for octet in addr.split('.') {
        ip = (ip << 8) | u32::from(octet.parse::<u8>().ok()?);
        parts += 1;
    }
    (parts == 4).then_some((ip, len))
}

fn overlaps(a: (u32, u32), b: (u32, u32)) -> bool {
    let len = a.1.min(b.1);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    (a.0 & mask) == (b.0 & mask)
}

/// RFC 1918 and the shared address space VPCs may use as secondary CIDRs.
const PRIVATE: [(u32, u32); 4] = [
    (0x0A00_0000, 8),
    (0xAC10_0000, 12),
    (0xC0A8_0000, 16),
    (0x6440_0000, 10),
];

fn cidr_matches(cidr: &str, dest: Dest) -> bool {
    let Some(c) = parse_cidr(cidr) else {
        return false;
    };
    match dest {
        Dest::Internet | Dest::S3Gateway => c.1 == 0,
        Dest::Vpc => c.1 == 0 || PRIVATE.iter().any(|p| overlaps(c, *p)),
    }
}

fn sg_rule_allows(r: &SgRuleView, dest: Dest) -> bool {
    let Some(all) = tcp(&r.protocol) else {
        return false;
    };
    if !all && !covers(r.port_from, r.port_to, 443) {
        return false;
    }
    let any_cidr = r.cidrs.iter().any(|c| cidr_matches(c, dest));
    match dest {
        Dest::Internet => any_cidr,
        // A rule naming a security group is taken to name the endpoints' (not in the views).
        Dest::Vpc => any_cidr || !r.security_groups.is_empty(),
        Dest::S3Gateway => any_cidr || !r.prefix_lists.is_empty(),
    }
}

fn sg_rule_text(sg: &str, r: &SgRuleView) -> String {
    let proto = if tcp(&r.protocol) == Some(true) {
        "all traffic".to_owned()
    } else {
        r.protocol.clone()
    };
    let ports = match (r.port_from, r.port_to) {
        (Some(f), Some(t)) if f == t && f >= 0 => format!(" port {f}"),
        (Some(f), Some(t)) if f >= 0 => format!(" ports {f}-{t}"),
        _ => String::new(),
    };
    let to: Vec<&str> = r
        .cidrs
        .iter()
        .chain(&r.prefix_lists)
        .chain(&r.security_groups)
        .map(String::as_str)
        .collect();
    format!("{sg} egress: {proto}{ports} to {}", join_and(&to))
}

fn sg_finding(
    sgs: &[SecurityGroupView],
    dests: &[(Dest, Vec<&Need>)],
    needs: &[Need],
    category: Category,
) -> Finding {
    let ids: Vec<&str> = sgs.iter().map(|s| s.id.as_str()).collect();
    let groups = format!(
        "Security {} {}",
        if ids.len() == 1 { "group" } else { "groups" },
        join_and(&ids)
    );
    let details: Vec<String> = sgs
        .iter()
        .flat_map(|sg| sg.egress.iter().map(move |r| sg_rule_text(&sg.id, r)))
        .collect();
    let all_needs: Vec<&Need> = dests.iter().flat_map(|(_, n)| n.iter().copied()).collect();
    if sgs.iter().all(|s| s.egress.is_empty()) {
        let refines = refine(category, &all_needs, needs);
        return path_finding(
            format!(
                "{groups} {} no outbound traffic, so the task cannot reach {}.",
                if ids.len() == 1 { "allows" } else { "allow" },
                labels(&all_needs)
            ),
            category,
            refines,
            vec!["Add an egress rule for TCP 443 (to 0.0.0.0/0, or to the VPC endpoints and the S3 prefix list).".to_owned()],
        );
    }
    let blocked: Vec<&(Dest, Vec<&Need>)> = dests
        .iter()
        .filter(|(d, _)| {
            !sgs.iter()
                .flat_map(|s| &s.egress)
                .any(|r| sg_rule_allows(r, *d))
        })
        .collect();
    if blocked.is_empty() {
        return Finding::new(
            Check::Network,
            Verdict::Ok,
            format!(
                "{groups} {} outbound TCP 443 to what the task needs.",
                if ids.len() == 1 { "allows" } else { "allow" }
            ),
        )
        .with_details(details);
    }
    let unreachable: Vec<&Need> = blocked
        .iter()
        .flat_map(|(_, n)| n.iter().copied())
        .collect();
    let to: Vec<String> = blocked
        .iter()
        .map(|(d, n)| format!("{} (for {})", d.describe(), labels(n)))
        .collect();
    let refines = refine(category, &unreachable, needs);
    path_finding(
        format!(
            "{groups} {} not allow outbound TCP 443 to {}.",
            if ids.len() == 1 { "does" } else { "do" },
            join_and(&to)
        ),
        category,
        refines,
        details,
    )
}

/// The decision of a NACL for one port and direction: `(allowed, rule number)`; `None` as rule
/// number is the default `*` deny.
fn nacl_decides(
    entries: &[NaclEntryView],
    egress: bool,
    port: i32,
    dest: Dest,
) -> (bool, Option<i32>) {
    let mut rules: Vec<&NaclEntryView> = entries
        .iter()
        .filter(|e| e.egress == egress)
        .filter(|e| {
            tcp(&e.protocol).is_some_and(|all| all || covers(e.port_from, e.port_to, port))
                && e.cidr.as_deref().is_some_and(|c| cidr_matches(c, dest))
        })
        .collect();
    rules.sort_by_key(|e| e.rule_number);
    match rules.first() {
        // 32767 is how the API lists the `*` rule.
        Some(e) if e.rule_number < 32767 => (e.allow, Some(e.rule_number)),
        Some(e) => (e.allow, None),
        None => (false, None),
    }
}

fn rule_label(rule: Option<i32>) -> String {
    rule.map_or("the default * rule".to_owned(), |n| format!("rule {n}"))
}

/// Denied inbound port ranges within 1024–65535, with the rule that denies them.
fn denied_ephemeral(entries: &[NaclEntryView], dest: Dest) -> Vec<(i32, i32, Option<i32>)> {
    let (lo, hi) = (1024, 65535);
    let mut cuts: Vec<i32> = vec![lo, hi + 1];
    for e in entries.iter().filter(|e| !e.egress) {
        for p in [e.port_from, e.port_to.map(|t| t.saturating_add(1))]
            .into_iter()
            .flatten()
        {
            if p > lo && p <= hi {
                cuts.push(p);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut denied: Vec<(i32, i32, Option<i32>)> = Vec::new();
    for w in cuts.windows(2) {
        let (Some(&a), Some(&b)) = (w.first(), w.get(1)) else {
            continue;
        };
        let (allowed, rule) = nacl_decides(entries, false, a, dest);
        if allowed {
            continue;
        }
        match denied.last_mut() {
            Some(last) if last.1 + 1 == a && last.2 == rule => last.1 = b - 1,
            _ => denied.push((a, b - 1, rule)),
        }
    }
    denied
}

/// Linux's ephemeral port range (`net.ipv4.ip_local_port_range`), which Fargate tasks use.
const LINUX_EPHEMERAL: (i32, i32) = (32768, 60999);

fn nacl_finding(
    subnet: &SubnetView,
    dests: &[(Dest, Vec<&Need>)],
    needs: &[Need],
    category: Category,
) -> Vec<Finding> {
    let id = &subnet.id;
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut unreachable: Vec<&Need> = Vec::new();
    for (dest, for_needs) in dests {
        let (out_ok, out_rule) = nacl_decides(&subnet.nacl_entries, true, 443, *dest);
        if !out_ok {
            problems.push(format!(
                "denies outbound TCP 443 to {} ({}), needed for {}",
                dest.describe(),
                rule_label(out_rule),
                labels(for_needs)
            ));
            unreachable.extend(for_needs.iter().copied());
        }
        for (a, b, rule) in denied_ephemeral(&subnet.nacl_entries, *dest) {
            let line = format!(
                "denies inbound TCP {a}-{b} from {} ({}), so replies from {} do not arrive",
                dest.describe(),
                rule_label(rule),
                labels(for_needs)
            );
            if a <= LINUX_EPHEMERAL.1 && b >= LINUX_EPHEMERAL.0 {
                problems.push(line);
                unreachable.extend(for_needs.iter().copied());
            } else {
                warnings.push(line);
            }
        }
    }
    let details: Vec<String> = {
        let mut e: Vec<&NaclEntryView> = subnet.nacl_entries.iter().collect();
        e.sort_by_key(|e| (!e.egress, e.rule_number));
        e.iter()
            .map(|e| {
                format!(
                    "{} rule {}: {} {} {} ports {}-{}",
                    if e.egress { "outbound" } else { "inbound" },
                    if e.rule_number >= 32767 {
                        "*".to_owned()
                    } else {
                        e.rule_number.to_string()
                    },
                    if e.allow { "allow" } else { "deny" },
                    match e.protocol.as_str() {
                        "-1" => "all",
                        "6" => "tcp",
                        "17" => "udp",
                        other => other,
                    },
                    e.cidr.as_deref().unwrap_or("?"),
                    e.port_from.unwrap_or(0),
                    e.port_to.unwrap_or(65535)
                )
            })
            .collect()
    };
    if !problems.is_empty() {
        unreachable.sort();
        unreachable.dedup();
        let refines = refine(category, &unreachable, needs);
        return vec![path_finding(
            format!("The network ACL of {id} {}.", problems.join("; it also ")),
            category,
            refines,
            details,
        )];
    }
    if !warnings.is_empty() {
        return vec![Finding::new(
            Check::Network,
            Verdict::Warning,
            format!(
                "The network ACL of {id} {} (outside Linux's ephemeral ports {}-{}, but AWS recommends allowing 1024-65535).",
                warnings.join("; it also "),
                LINUX_EPHEMERAL.0,
                LINUX_EPHEMERAL.1
            ),
        )
        .with_details(details)];
    }
    if dests.is_empty() {
        return Vec::new();
    }
    vec![Finding::new(
        Check::Network,
        Verdict::Ok,
        format!("The network ACL of {id} allows outbound TCP 443 and the replies."),
    )
    .with_details(details)]
}

const FEW_FREE_IPS: i64 = 5;

fn free_ips(subnet: &SubnetView, category: Category) -> Option<Finding> {
    let free = subnet.available_ips?;
    let id = &subnet.id;
    let az = subnet
        .availability_zone
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    if free <= 0 {
        let f = Finding::new(
            Check::Network,
            Verdict::Problem,
            format!("{id}{az} has no free IP address: no new task can get a network interface there."),
        )
        .with_details(vec![
            "Add subnets (in other Availability Zones) to the service, or free addresses (unused ENIs).".to_owned(),
        ]);
        return Some(match category {
            c if is_unexplained_launch(c) || c == Category::InsufficientResources => {
                f.refining(Category::InsufficientResources)
            }
            Category::EniProvisioningTimeout => f,
            _ => Finding {
                verdict: Verdict::Warning,
                ..f
            },
        });
    }
    (free < FEW_FREE_IPS).then(|| {
        Finding::new(
            Check::Network,
            Verdict::Warning,
            format!(
                "{id}{az} has only {free} free IP {} left: a deployment that starts new tasks before stopping old ones can run out.",
                if free == 1 { "address" } else { "addresses" }
            ),
        )
    })
}
