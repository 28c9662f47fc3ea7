//! Fargate's task sizes: a task-level memory raise on Fargate must land on a size Fargate
//! accepts for the task's CPU, or `RegisterTaskDefinition` refuses it. The table is AWS's
//! ("Amazon ECS task definition parameters for Fargate", Task size): for each CPU value, the
//! memory range in MiB and its step.

/// `(cpu units, min MiB, max MiB, step MiB)`; 256 CPU units allow 512, 1024 and 2048 only.
const SIZES: [(u32, u32, u32, u32); 7] = [
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// The memory sizes Fargate accepts with `cpu_units`, smallest first; empty for a CPU value it
/// does not offer.
fn sizes(cpu_units: u32) -> impl Iterator<Item = u32> {
    SIZES
        .iter()
        .filter(move |(cpu, ..)| *cpu == cpu_units)
        .flat_map(|&(_, min, max, step)| (min..=max).step_by(step as usize))
        .filter(move |m| cpu_units != 256 || *m != 1536)
}

/// The Fargate size for a raise from `from_mib` towards `wanted_mib`, at most `cap_mib`: the
/// smallest accepted size at or above `wanted_mib` if the cap allows it, else the largest
/// accepted size under the cap. `None` when no accepted size is above `from_mib` and within
/// the cap (or the CPU value is not a Fargate one).
pub(super) fn raise(cpu_units: u32, from_mib: u32, wanted_mib: u32, cap_mib: u32) -> Option<u32> {
    let fitting: Vec<u32> = sizes(cpu_units)
        .filter(|m| *m > from_mib && *m <= cap_mib)
        .collect();
    let first_fit = fitting.iter().copied().find(|m| *m >= wanted_mib);
    first_fit.or_else(|| fitting.last().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_fargate_table() {
        assert_eq!(sizes(256).collect::<Vec<_>>(), [512, 1024, 2048]);
        assert_eq!(sizes(512).collect::<Vec<_>>(), [1024, 2048, 3072, 4096]);
        assert_eq!(sizes(1024).count(), 7);
        assert_eq!(sizes(8192).next(), Some(16384));
        assert_eq!(sizes(8192).last(), Some(61440));
        assert_eq!(sizes(300).count(), 0);
    }

    #[test]
    fn a_raise_rounds_up_to_an_accepted_size_within_the_cap() {
        // 512 MiB × 1.5 = 768: the next size with 256 CPU units is 1024.
        assert_eq!(raise(256, 512, 768, 4096), Some(1024));
        // 2048 × 1.5 = 3072 with 1024 units: 3072 is accepted as is.
        assert_eq!(raise(1024, 2048, 3072, 8192), Some(3072));
        // The cap cuts the raise to the largest size under it.
        assert_eq!(raise(512, 1024, 4000, 3500), Some(3072));
        // Already at the largest size for the CPU, or the cap leaves nothing above.
        assert_eq!(raise(256, 2048, 3072, 8192), None);
        assert_eq!(raise(1024, 2048, 3072, 2500), None);
        assert_eq!(raise(300, 512, 768, 4096), None);
    }
}
