//! `Ec2Adapter` against the emulator: a VPC with a public subnet (explicit route table, route to
//! an internet gateway, S3 gateway endpoint route) and a private one (the VPC's main route table,
//! local route only), an ECR interface endpoint, and a security group without egress.

use aws_sdk_ec2::types::{IpPermission, IpRange, VpcEndpointType};
use ecs_triage_aws::Ec2Adapter;
use ecs_triage_core::diagnose::ports::NetworkReader;
use ecs_triage_core::diagnose::view::{NaclEntryView, RouteView, SgRuleView, VpcEndpointView};

use crate::harness::{emulator, namespace, seeded};
use crate::world::internet_gateway;

/// What a test's VPC is made of.
struct World {
    vpc: String,
    public: String,
    private: String,
    public_table: String,
    igw: String,
    s3_endpoint: String,
    dkr_endpoint: String,
    closed_sg: String,
    open_sg: String,
}

async fn world(test: &str, second_octet: u8) -> World {
    let ns = namespace(test);
    let ec2 = emulator().ec2().await;
    let cidr = |third: u8, bits: u8| format!("10.{second_octet}.{third}.0/{bits}");
    let vpc = seeded(
        "CreateVpc",
        ec2.create_vpc().cidr_block(cidr(0, 16)).send().await,
    )
    .vpc
    .and_then(|v| v.vpc_id)
    .expect("a VPC ID");
    let subnet = |third: u8| {
        let ec2 = ec2.clone();
        let (vpc, cidr) = (vpc.clone(), cidr(third, 24));
        async move {
            seeded(
                "CreateSubnet",
                ec2.create_subnet()
                    .vpc_id(vpc)
                    .cidr_block(cidr)
                    .availability_zone("us-east-1a")
                    .send()
                    .await,
            )
            .subnet
            .and_then(|s| s.subnet_id)
            .expect("a subnet ID")
        }
    };
    let public = subnet(1).await;
    let private = subnet(2).await;
    let igw = internet_gateway(&ec2, &vpc).await;
    let public_table = seeded(
        "CreateRouteTable",
        ec2.create_route_table().vpc_id(&vpc).send().await,
    )
    .route_table
    .and_then(|t| t.route_table_id)
    .expect("a route table ID");
    seeded(
        "CreateRoute",
        ec2.create_route()
            .route_table_id(&public_table)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(&igw)
            .send()
            .await,
    );
    seeded(
        "AssociateRouteTable",
        ec2.associate_route_table()
            .route_table_id(&public_table)
            .subnet_id(&public)
            .send()
            .await,
    );
    let s3_endpoint = seeded(
        "CreateVpcEndpoint (S3 gateway)",
        ec2.create_vpc_endpoint()
            .vpc_id(&vpc)
            .service_name("com.amazonaws.us-east-1.s3")
            .vpc_endpoint_type(VpcEndpointType::Gateway)
            .route_table_ids(&public_table)
            .send()
            .await,
    )
    .vpc_endpoint
    .and_then(|e| e.vpc_endpoint_id)
    .expect("an endpoint ID");
    let dkr_endpoint = seeded(
        "CreateVpcEndpoint (ecr.dkr interface)",
        ec2.create_vpc_endpoint()
            .vpc_id(&vpc)
            .service_name("com.amazonaws.us-east-1.ecr.dkr")
            .vpc_endpoint_type(VpcEndpointType::Interface)
            .subnet_ids(&private)
            .private_dns_enabled(true)
            .send()
            .await,
    )
    .vpc_endpoint
    .and_then(|e| e.vpc_endpoint_id)
    .expect("an endpoint ID");
    let group = |name: String| {
        let (ec2, vpc) = (ec2.clone(), vpc.clone());
        async move {
            seeded(
                "CreateSecurityGroup",
                ec2.create_security_group()
                    .group_name(name)
                    .description("tasks")
                    .vpc_id(vpc)
                    .send()
                    .await,
            )
            .group_id
            .expect("a security group ID")
        }
    };
    let closed_sg = group(format!("{ns}-closed")).await;
    let open_sg = group(format!("{ns}-open")).await;
    // A new group allows all egress; take that rule away from one of them.
    seeded(
        "RevokeSecurityGroupEgress",
        ec2.revoke_security_group_egress()
            .group_id(&closed_sg)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .send()
            .await,
    );
    World {
        vpc,
        public,
        private,
        public_table,
        igw,
        s3_endpoint,
        dkr_endpoint,
        closed_sg,
        open_sg,
    }
}

fn route(destination: &str, target: &str) -> RouteView {
    RouteView {
        destination: destination.to_owned(),
        target: target.to_owned(),
        state: Some("active".to_owned()),
    }
}

#[tokio::test]
async fn a_public_subnet_uses_its_own_route_table_with_the_internet_gateway() {
    let w = world("net-public", 40).await;
    let adapter = Ec2Adapter::new(emulator().ec2().await);

    let view = adapter
        .subnet(&w.public)
        .await
        .unwrap()
        .expect("the subnet exists");

    assert_eq!(view.id, w.public);
    assert_eq!(view.vpc_id, w.vpc);
    assert_eq!(view.availability_zone.as_deref(), Some("us-east-1a"));
    // A /24 less the 5 addresses AWS reserves.
    assert_eq!(view.available_ips, Some(251));
    assert!(!view.map_public_ip_on_launch);
    assert_eq!(
        view.route_table_id.as_deref(),
        Some(w.public_table.as_str())
    );
    let (s3_prefix_routes, other): (Vec<&RouteView>, Vec<&RouteView>) = view
        .routes
        .iter()
        .partition(|r| r.destination.starts_with("pl-"));
    assert_eq!(
        other.into_iter().cloned().collect::<Vec<_>>(),
        [route("10.40.0.0/16", "local"), route("0.0.0.0/0", &w.igw)]
    );
    // The S3 gateway endpoint adds a route from the S3 prefix list to the endpoint.
    let [s3] = s3_prefix_routes.as_slice() else {
        panic!("expected one prefix-list route, found {:?}", view.routes);
    };
    assert_eq!(s3.target, w.s3_endpoint);
}

#[tokio::test]
async fn a_private_subnet_falls_back_to_the_main_route_table_and_has_the_default_acl() {
    let w = world("net-private", 41).await;
    let adapter = Ec2Adapter::new(emulator().ec2().await);

    let view = adapter
        .subnet(&w.private)
        .await
        .unwrap()
        .expect("the subnet exists");

    let table = view
        .route_table_id
        .as_deref()
        .expect("a route table applies");
    assert_ne!(table, w.public_table);
    assert_eq!(view.routes, [route("10.41.0.0/16", "local")]);
    let entry = |rule_number, egress, allow| NaclEntryView {
        rule_number,
        egress,
        allow,
        protocol: "-1".to_owned(),
        cidr: Some("0.0.0.0/0".to_owned()),
        port_from: None,
        port_to: None,
    };
    let mut entries = view.nacl_entries.clone();
    entries.sort_by_key(|e| (e.egress, e.rule_number));
    assert_eq!(
        entries,
        [
            entry(100, false, true),
            entry(32767, false, false),
            entry(100, true, true),
            entry(32767, true, false),
        ]
    );

    assert_eq!(
        adapter.subnet("subnet-0000000000000000").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn vpc_endpoints_are_listed_with_their_kind_and_attachments() {
    let w = world("net-endpoints", 42).await;
    let adapter = Ec2Adapter::new(emulator().ec2().await);

    let mut endpoints = adapter.vpc_endpoints(&w.vpc).await.unwrap();
    endpoints.sort_by(|a, b| a.service_name.cmp(&b.service_name));

    assert_eq!(
        endpoints,
        [
            VpcEndpointView {
                id: w.dkr_endpoint.clone(),
                service_name: "com.amazonaws.us-east-1.ecr.dkr".to_owned(),
                kind: "Interface".to_owned(),
                private_dns: true,
                subnet_ids: vec![w.private.clone()],
                route_table_ids: vec![],
                state: Some("available".to_owned()),
            },
            VpcEndpointView {
                id: w.s3_endpoint.clone(),
                service_name: "com.amazonaws.us-east-1.s3".to_owned(),
                kind: "Gateway".to_owned(),
                // moto reports privateDnsEnabled=true for a gateway endpoint too.
                private_dns: endpoints.get(1).is_some_and(|e| e.private_dns),
                subnet_ids: vec![],
                route_table_ids: vec![w.public_table.clone()],
                state: Some("available".to_owned()),
            },
        ]
    );
    assert!(adapter
        .vpc_endpoints("vpc-00000000000000000")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn security_groups_report_their_egress_rules_even_when_there_are_none() {
    let w = world("net-sg", 43).await;
    let adapter = Ec2Adapter::new(emulator().ec2().await);

    let mut groups = adapter
        .security_groups(&[w.closed_sg.clone(), w.open_sg.clone()])
        .await
        .unwrap();
    groups.sort_by_key(|g| g.id != w.closed_sg);

    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(groups[0].id, w.closed_sg);
    assert!(groups[0].egress.is_empty(), "{groups:?}");
    assert_eq!(groups[1].id, w.open_sg);
    assert_eq!(
        groups[1].egress,
        [SgRuleView {
            protocol: "-1".to_owned(),
            port_from: None,
            port_to: None,
            cidrs: vec!["0.0.0.0/0".to_owned()],
            prefix_lists: vec![],
            security_groups: vec![],
        }]
    );
    assert!(adapter.security_groups(&[]).await.unwrap().is_empty());
}
