//! Capacity: whether the service can run the tasks it wants. Service auto scaling limits
//! (Application Auto Scaling min/max, suspended scaling), and for EC2 clusters each container
//! instance's agent, remaining CPU/memory and taken host ports against one task's needs.
//!
//! Decisions: a desired count at the auto scaling maximum does not stop a task; it explains a
//! saturated service (tasks failing health checks or running out of memory under load), so it is
//! a Warning whatever the category. A disconnected agent or a cluster where no instance fits the
//! task is a Problem when it explains this stop (the classifier's category is that placement or
//! host failure, or a launch failure it could not explain) and a Warning otherwise: capacity read
//! after the stop describes the next task, and the stopped one freed its share.

use std::collections::BTreeSet;

use super::{host_ports, is_fargate, is_unexplained_launch, join_and, task_needs, td_name};
use crate::diagnose::finding::{Check, Finding, Verdict};
use crate::diagnose::view::{
    ContainerInstanceView, ScalableTargetView, ServiceView, TaskDefinitionView,
};
use crate::taxonomy::Category;

pub fn analyze_capacity(
    service: Option<&ServiceView>,
    target: Option<&ScalableTargetView>,
    instances: &[ContainerInstanceView],
    td: Option<&TaskDefinitionView>,
    category: Category,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(s) = service {
        out.extend(scaling(s, target));
        if !s.placement_constraints.is_empty() || !s.placement_strategy.is_empty() {
            let mut details: Vec<String> = s
                .placement_constraints
                .iter()
                .map(|c| format!("constraint: {c}"))
                .collect();
            details.extend(
                s.placement_strategy
                    .iter()
                    .map(|p| format!("strategy: {p}")),
            );
            out.push(
                Finding::new(
                    Check::Capacity,
                    Verdict::Info,
                    format!(
                        "Service {} places tasks with {} constraints and {} strategies: a constraint no instance satisfies also blocks placement.",
                        s.name,
                        s.placement_constraints.len(),
                        s.placement_strategy.len()
                    ),
                )
                .with_details(details),
            );
        }
    }
    let ec2 = match (service.and_then(|s| s.launch_type.as_deref()), td) {
        (Some(lt), _) => lt.eq_ignore_ascii_case("EC2"),
        (None, Some(td)) => !is_fargate(td, None),
        (None, None) => !instances.is_empty(),
    };
    if ec2 {
        out.extend(instances_findings(instances, td, category));
    }
    out
}

fn scaling(s: &ServiceView, target: Option<&ScalableTargetView>) -> Vec<Finding> {
    let name = &s.name;
    let mut out = Vec::new();
    if s.running_count < s.desired_count {
        out.push(Finding::new(
            Check::Capacity,
            Verdict::Info,
            format!(
                "Service {name} runs {} of {} desired tasks.",
                s.running_count, s.desired_count
            ),
        ));
    }
    let Some(t) = target else {
        out.push(Finding::new(
            Check::Capacity,
            Verdict::Info,
            format!(
                "Service {name} has no auto scaling target: its desired count stays at {}.",
                s.desired_count
            ),
        ));
        return out;
    };
    let range = format!("min {}, max {}", t.min, t.max);
    if t.max <= 0 {
        out.push(Finding::new(
            Check::Capacity,
            Verdict::Problem,
            format!("Auto scaling of service {name} allows no task at all ({range})."),
        ));
    } else if t.min > t.max {
        out.push(Finding::new(
            Check::Capacity,
            Verdict::Warning,
            format!("Auto scaling of service {name} has a minimum above its maximum ({range})."),
        ));
    } else if s.desired_count >= i64::from(t.max) {
        out.push(
            Finding::new(
                Check::Capacity,
                Verdict::Warning,
                format!(
                    "Service {name} wants {} tasks, the auto scaling maximum ({range}): it cannot scale out further under load.",
                    s.desired_count
                ),
            )
            .with_details(vec![
                "Raise the maximum: aws application-autoscaling register-scalable-target --service-namespace ecs --scalable-dimension ecs:service:DesiredCount --max-capacity <n> …".to_owned(),
            ]),
        );
    } else if t.min == 0 {
        out.push(Finding::new(
            Check::Capacity,
            Verdict::Info,
            format!("Auto scaling of service {name} may scale it in to zero tasks ({range})."),
        ));
    } else {
        out.push(Finding::new(
            Check::Capacity,
            Verdict::Ok,
            format!(
                "Service {name} wants {} tasks, within its auto scaling range ({range}).",
                s.desired_count
            ),
        ));
    }
    if t.suspended {
        out.push(Finding::new(
            Check::Capacity,
            Verdict::Warning,
            format!("Auto scaling of service {name} is suspended: it neither scales out nor in."),
        ));
    }
    out
}

fn instance_label(i: &ContainerInstanceView) -> String {
    i.ec2_instance_id
        .clone()
        .unwrap_or_else(|| i.arn.rsplit('/').next().unwrap_or(&i.arn).to_owned())
}

fn explains(category: Category, own: Category) -> bool {
    category == own || is_unexplained_launch(category)
}

fn instances_findings(
    instances: &[ContainerInstanceView],
    td: Option<&TaskDefinitionView>,
    category: Category,
) -> Vec<Finding> {
    let placement = explains(category, Category::InsufficientResources);
    let active: Vec<&ContainerInstanceView> = instances
        .iter()
        .filter(|i| i.status.eq_ignore_ascii_case("ACTIVE"))
        .collect();
    if active.is_empty() {
        let draining = instances.len();
        let summary = if draining == 0 {
            "The cluster has no container instances: EC2 tasks cannot be placed.".to_owned()
        } else {
            format!("None of the cluster's {draining} container instances is ACTIVE: EC2 tasks cannot be placed.")
        };
        let f = Finding::new(
            Check::Capacity,
            if placement {
                Verdict::Problem
            } else {
                Verdict::Warning
            },
            summary,
        );
        return vec![if placement {
            f.refining(Category::InsufficientResources)
        } else {
            f
        }];
    }
    let mut out = Vec::new();
    let disconnected: Vec<String> = active
        .iter()
        .filter(|i| !i.agent_connected)
        .map(|i| instance_label(i))
        .collect();
    let connected: Vec<&ContainerInstanceView> = active
        .iter()
        .copied()
        .filter(|i| i.agent_connected)
        .collect();
    if !disconnected.is_empty() {
        let all = connected.is_empty();
        let proves = all || category == Category::AgentDisconnected;
        let summary = format!(
            "The ECS agent is disconnected on {} ({} of {} active instances): ECS can neither place nor stop tasks there.",
            join_and(&disconnected),
            disconnected.len(),
            active.len()
        );
        let f = Finding::new(
            Check::Capacity,
            if proves { Verdict::Problem } else { Verdict::Warning },
            summary,
        )
        .with_details(vec![
            "On the instance: sudo systemctl status ecs; the agent log is /var/log/ecs/ecs-agent.log.".to_owned(),
        ]);
        out.push(if proves {
            f.refining(Category::AgentDisconnected)
        } else {
            f
        });
    }
    let Some(td) = td else { return out };
    let name = td_name(td);
    let (cpu, mem) = task_needs(td);
    let ports: BTreeSet<i32> = match super::network_mode(td).as_str() {
        "host" | "bridge" => host_ports(td).into_iter().map(|(p, _, _)| p).collect(),
        _ => BTreeSet::new(),
    };
    let need_text = format!(
        "{} CPU units and {} MiB",
        cpu.map_or("?".to_owned(), |c| c.to_string()),
        mem.map_or("?".to_owned(), |m| m.to_string())
    );
    let mut fits = Vec::new();
    let mut port_blocked = Vec::new();
    let mut details = Vec::new();
    for i in &connected {
        let cpu_ok = cpu.is_none_or(|c| i.remaining_cpu.is_none_or(|r| r >= c));
        let mem_ok = mem.is_none_or(|m| i.remaining_memory.is_none_or(|r| r >= m));
        let taken: Vec<String> = ports
            .iter()
            .filter(|p| i.remaining_ports.contains(p))
            .map(|p| p.to_string())
            .collect();
        details.push(format!(
            "{}: {} CPU units and {} MiB free, {} running tasks{}",
            instance_label(i),
            i.remaining_cpu.map_or("?".to_owned(), |c| c.to_string()),
            i.remaining_memory.map_or("?".to_owned(), |m| m.to_string()),
            i.running_tasks,
            if taken.is_empty() {
                String::new()
            } else {
                format!(", host ports {} taken", taken.join(", "))
            }
        ));
        if cpu_ok && mem_ok {
            if taken.is_empty() {
                fits.push(instance_label(i));
            } else {
                port_blocked.push(instance_label(i));
            }
        }
    }
    if connected.is_empty() {
        return out;
    }
    if !fits.is_empty() {
        out.push(
            Finding::new(
                Check::Capacity,
                Verdict::Ok,
                format!(
                    "{} of {} connected instances can fit another task of {name} ({need_text}).",
                    fits.len(),
                    connected.len()
                ),
            )
            .with_details(details),
        );
    } else if !port_blocked.is_empty() {
        let proves = explains(category, Category::PortConflict) || placement;
        let ports: Vec<String> = ports.iter().map(|p| p.to_string()).collect();
        let f = Finding::new(
            Check::Capacity,
            if proves { Verdict::Problem } else { Verdict::Warning },
            format!(
                "Host {} {} of {name} {} taken on every instance with room for it ({}).",
                if ports.len() == 1 { "port" } else { "ports" },
                join_and(&ports),
                if ports.len() == 1 { "is" } else { "are" },
                join_and(&port_blocked)
            ),
        )
        .with_details(
            std::iter::once(
                "Use dynamic host ports (hostPort 0) or awsvpc, or add instances; distinctInstance keeps one such task per instance.".to_owned(),
            )
            .chain(details)
            .collect(),
        );
        out.push(if proves {
            f.refining(Category::PortConflict)
        } else {
            f
        });
    } else {
        let f = Finding::new(
            Check::Capacity,
            if placement { Verdict::Problem } else { Verdict::Warning },
            format!(
                "No connected container instance has room for another task of {name} ({need_text})."
            ),
        )
        .with_details(
            std::iter::once(
                "Add instances (or a capacity provider with managed scaling), or lower the task's cpu/memory.".to_owned(),
            )
            .chain(details)
            .collect(),
        );
        out.push(if placement {
            f.refining(Category::InsufficientResources)
        } else {
            f
        });
    }
    out
}
