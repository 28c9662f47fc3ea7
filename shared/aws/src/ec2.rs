//! [`NetworkReader`] on Amazon EC2: the network path of an awsvpc task. A subnet with the route
//! table that applies to it and its network ACL, the VPC's endpoints, and security-group egress.
//!
//! The route table that applies to a subnet is the one explicitly associated with it, else the
//! VPC's main route table ("Subnets that are not explicitly associated with any route table are
//! implicitly associated with the main route table", Amazon VPC user guide, route tables).

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Filter, IpPermission, NetworkAclEntry, Route, RouteTable, RuleAction, SecurityGroup, Subnet,
    VpcEndpoint,
};
use aws_sdk_ec2::Client;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use ecs_triage_core::diagnose::ports::NetworkReader;
use ecs_triage_core::diagnose::view::{
    NaclEntryView, RouteView, SecurityGroupView, SgRuleView, SubnetView, VpcEndpointView,
};
use ecs_triage_core::ports::PortError;
use tracing::debug;

use crate::error::port_error;

const SERVICE: &str = "ec2";

/// The IAM actions this adapter can call (compared with the SAM template's policy by a test).
pub const OPERATIONS: &[&str] = &[
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeSecurityGroups",
];

/// The code EC2 gives DescribeSubnets for an unknown subnet ID.
const SUBNET_NOT_FOUND: &str = "InvalidSubnetID.NotFound";

/// Reads VPC networking.
#[derive(Debug, Clone)]
pub struct Ec2Adapter {
    client: Client,
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

impl Ec2Adapter {
    pub fn new(client: Client) -> Self {
        Ec2Adapter { client }
    }

    async fn route_tables(
        &self,
        filters: Vec<Filter>,
        doing: &str,
    ) -> Result<Vec<RouteTable>, PortError> {
        self.client
            .describe_route_tables()
            .set_filters(Some(filters))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| port_error(SERVICE, "DescribeRouteTables", doing, &e))
    }

    /// The explicitly associated route table, else the VPC's main one.
    async fn effective_route_table(
        &self,
        subnet_id: &str,
        vpc_id: &str,
    ) -> Result<Option<RouteTable>, PortError> {
        let explicit = self
            .route_tables(
                vec![filter("association.subnet-id", subnet_id)],
                &format!("the route table associated with subnet `{subnet_id}`"),
            )
            .await?;
        if let Some(table) = explicit.into_iter().next() {
            return Ok(Some(table));
        }
        let main = self
            .route_tables(
                vec![filter("vpc-id", vpc_id), filter("association.main", "true")],
                &format!("the main route table of VPC `{vpc_id}`"),
            )
            .await?;
        Ok(main.into_iter().next())
    }
}

#[async_trait]
impl NetworkReader for Ec2Adapter {
    async fn subnet(&self, subnet_id: &str) -> Result<Option<SubnetView>, PortError> {
        debug!(subnet = subnet_id, "describing subnet");
        let out = self
            .client
            .describe_subnets()
            .subnet_ids(subnet_id)
            .send()
            .await;
        let subnet = match out {
            Ok(out) => match out.subnets.unwrap_or_default().into_iter().next() {
                Some(s) => s,
                None => return Ok(None),
            },
            Err(e) if e.code() == Some(SUBNET_NOT_FOUND) => {
                debug!(subnet = subnet_id, "subnet not found");
                return Ok(None);
            }
            Err(e) => {
                return Err(port_error(
                    SERVICE,
                    "DescribeSubnets",
                    &format!("subnet `{subnet_id}` to be described"),
                    &e,
                ))
            }
        };
        let vpc_id = subnet.vpc_id().unwrap_or_default().to_owned();
        let table = self.effective_route_table(subnet_id, &vpc_id).await?;
        let nacls = self
            .client
            .describe_network_acls()
            .filters(filter("association.subnet-id", subnet_id))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeNetworkAcls",
                    &format!("the network ACL of subnet `{subnet_id}`"),
                    &e,
                )
            })?;
        let mut view = subnet_view(&subnet);
        view.route_table_id = table
            .as_ref()
            .and_then(|t| t.route_table_id())
            .map(str::to_owned);
        view.routes = table
            .as_ref()
            .map(|t| t.routes().iter().map(route_view).collect())
            .unwrap_or_default();
        // A subnet is associated with exactly one network ACL (the VPC's default one unless
        // another is associated).
        view.nacl_entries = nacls
            .first()
            .map(|n| n.entries().iter().map(nacl_entry_view).collect())
            .unwrap_or_default();
        debug!(
            subnet = subnet_id,
            route_table = view.route_table_id.as_deref().unwrap_or_default(),
            routes = view.routes.len(),
            nacl_entries = view.nacl_entries.len(),
            "subnet described"
        );
        Ok(Some(view))
    }

    async fn vpc_endpoints(&self, vpc_id: &str) -> Result<Vec<VpcEndpointView>, PortError> {
        let endpoints = self
            .client
            .describe_vpc_endpoints()
            .filters(filter("vpc-id", vpc_id))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeVpcEndpoints",
                    &format!("the VPC endpoints of VPC `{vpc_id}`"),
                    &e,
                )
            })?;
        debug!(
            vpc = vpc_id,
            endpoints = endpoints.len(),
            "VPC endpoints described"
        );
        Ok(endpoints.iter().map(vpc_endpoint_view).collect())
    }

    async fn security_groups(&self, ids: &[String]) -> Result<Vec<SecurityGroupView>, PortError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // With GroupIds the call is one page (EC2 rejects MaxResults alongside GroupIds).
        let out = self
            .client
            .describe_security_groups()
            .set_group_ids(Some(ids.to_vec()))
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeSecurityGroups",
                    &format!("security groups {} to be described", ids.join(", ")),
                    &e,
                )
            })?;
        debug!(
            requested = ids.len(),
            found = out.security_groups().len(),
            "security groups described"
        );
        Ok(out
            .security_groups()
            .iter()
            .map(security_group_view)
            .collect())
    }
}

/// The subnet itself; the route table and ACL are filled in by the caller.
pub(crate) fn subnet_view(s: &Subnet) -> SubnetView {
    SubnetView {
        id: s.subnet_id().unwrap_or_default().to_owned(),
        vpc_id: s.vpc_id().unwrap_or_default().to_owned(),
        availability_zone: s.availability_zone().map(str::to_owned),
        available_ips: s.available_ip_address_count().map(i64::from),
        map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
        route_table_id: None,
        routes: Vec::new(),
        nacl_entries: Vec::new(),
    }
}

pub(crate) fn route_view(r: &Route) -> RouteView {
    let destination = r
        .destination_cidr_block()
        .or(r.destination_ipv6_cidr_block())
        .or(r.destination_prefix_list_id())
        .unwrap_or_default();
    // Exactly one target is set on a route; `gateway_id` covers igw-, vgw-, vpce- (gateway
    // endpoints) and `local`.
    let target = r
        .gateway_id()
        .or(r.nat_gateway_id())
        .or(r.transit_gateway_id())
        .or(r.vpc_peering_connection_id())
        .or(r.egress_only_internet_gateway_id())
        .or(r.network_interface_id())
        .or(r.instance_id())
        .or(r.local_gateway_id())
        .or(r.carrier_gateway_id())
        .or(r.core_network_arn())
        .unwrap_or_default();
    RouteView {
        destination: destination.to_owned(),
        target: target.to_owned(),
        state: r.state().map(|s| s.as_str().to_owned()),
    }
}

pub(crate) fn nacl_entry_view(e: &NetworkAclEntry) -> NaclEntryView {
    NaclEntryView {
        rule_number: e.rule_number().unwrap_or_default(),
        egress: e.egress().unwrap_or(false),
        allow: e.rule_action() == Some(&RuleAction::Allow),
        protocol: e.protocol().unwrap_or("-1").to_owned(),
        cidr: e.cidr_block().or(e.ipv6_cidr_block()).map(str::to_owned),
        port_from: e.port_range().and_then(|p| p.from()),
        port_to: e.port_range().and_then(|p| p.to()),
    }
}

pub(crate) fn vpc_endpoint_view(e: &VpcEndpoint) -> VpcEndpointView {
    VpcEndpointView {
        id: e.vpc_endpoint_id().unwrap_or_default().to_owned(),
        service_name: e.service_name().unwrap_or_default().to_owned(),
        kind: e
            .vpc_endpoint_type()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        private_dns: e.private_dns_enabled().unwrap_or(false),
        subnet_ids: e.subnet_ids().to_vec(),
        route_table_ids: e.route_table_ids().to_vec(),
        state: e.state().map(|s| s.as_str().to_owned()),
    }
}

fn sg_rule_view(p: &IpPermission) -> SgRuleView {
    SgRuleView {
        protocol: p.ip_protocol().unwrap_or("-1").to_owned(),
        port_from: p.from_port(),
        port_to: p.to_port(),
        cidrs: p
            .ip_ranges()
            .iter()
            .filter_map(|r| r.cidr_ip())
            .chain(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()))
            .map(str::to_owned)
            .collect(),
        prefix_lists: p
            .prefix_list_ids()
            .iter()
            .filter_map(|p| p.prefix_list_id().map(str::to_owned))
            .collect(),
        security_groups: p
            .user_id_group_pairs()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_owned))
            .collect(),
    }
}

pub(crate) fn security_group_view(g: &SecurityGroup) -> SecurityGroupView {
    SecurityGroupView {
        id: g.group_id().unwrap_or_default().to_owned(),
        egress: g.ip_permissions_egress().iter().map(sg_rule_view).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{IpRange, Ipv6Range, PortRange, RouteState};

    #[test]
    fn route_targets_are_whichever_is_set() {
        let nat = Route::builder()
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id("nat-0abc")
            .state(RouteState::Blackhole)
            .build();
        let v = route_view(&nat);
        assert_eq!(
            (v.destination.as_str(), v.target.as_str()),
            ("0.0.0.0/0", "nat-0abc")
        );
        assert_eq!(v.state.as_deref(), Some("blackhole"));
        let s3 = Route::builder()
            .destination_prefix_list_id("pl-63a5400a")
            .gateway_id("vpce-0123")
            .build();
        assert_eq!(route_view(&s3).destination, "pl-63a5400a");
        assert_eq!(route_view(&s3).target, "vpce-0123");
    }

    #[test]
    fn nacl_entries_and_sg_rules_keep_ports_and_both_address_families() {
        let e = NetworkAclEntry::builder()
            .rule_number(100)
            .egress(true)
            .rule_action(RuleAction::Deny)
            .protocol("6")
            .cidr_block("0.0.0.0/0")
            .port_range(PortRange::builder().from(443).to(443).build())
            .build();
        let v = nacl_entry_view(&e);
        assert!(v.egress && !v.allow);
        assert_eq!((v.port_from, v.port_to), (Some(443), Some(443)));
        let p = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(443)
            .to_port(443)
            .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/16").build())
            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
            .build();
        assert_eq!(sg_rule_view(&p).cidrs, ["10.0.0.0/16", "::/0"]);
    }
}
