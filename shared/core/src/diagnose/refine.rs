//! How findings change the answer. The classifier reads the stop reason; the checks read the
//! configuration. When a check proves a cause (`Finding::refines`), the diagnosis takes it:
//! exit 1 with `exec format error` in the log is `exec_format_error`; a pull timeout with no route
//! to ECR stays `image_pull_network` and names the missing route; "cannot find the log group"
//! with a broken network path is `log_driver_network`.

use super::finding::{Check, Finding, Verdict};
use crate::classify::{Classification, Confidence, Evidence};
use crate::taxonomy::Category;

/// Checks in the order their proof is trusted when two disagree: what the container itself said
/// (its log), then what exists (the image), then the paths and permissions, then configuration.
const PRIORITY: [Check; 8] = [
    Check::Logs,
    Check::Image,
    Check::Network,
    Check::Iam,
    Check::TaskDefinition,
    Check::LoadBalancer,
    Check::Capacity,
    Check::Deployment,
];

fn rank(check: Check) -> usize {
    PRIORITY
        .iter()
        .position(|c| *c == check)
        .unwrap_or(PRIORITY.len())
}

/// The category the findings prove, if any: one that confirms the classifier's answer wins;
/// otherwise the most trusted proof.
pub fn proven(current: Category, findings: &[Finding]) -> Option<&Finding> {
    let proofs = || {
        findings
            .iter()
            .filter(|f| f.verdict == Verdict::Problem && f.refines.is_some())
    };
    proofs()
        .find(|f| f.refines == Some(current))
        .or_else(|| proofs().min_by_key(|f| rank(f.check)))
}

/// Applies findings to a classification: the category (and its family, severity, expectedness)
/// when a check proves another one, the confidence when one confirms it, and the summary and
/// evidence in both cases. Returns the category it was refined from, if it changed.
pub fn apply(c: &mut Classification, findings: &[Finding]) -> Option<Category> {
    let proof = proven(c.category, findings)?;
    let to = proof.refines?;
    let evidence = Evidence {
        field: format!("check:{}", proof.check.as_str().replace(' ', "_")).into(),
        value: proof.summary.clone(),
        meaning: if to == c.category {
            "Confirms the classification.".into()
        } else {
            format!("Proves {to} rather than {}.", c.category).into()
        },
    };
    c.evidence.push(evidence);
    if to == c.category {
        c.confidence = Confidence::High;
        c.summary = format!("{} Confirmed: {}", c.summary, proof.summary);
        return None;
    }
    let from = c.category;
    c.category = to;
    c.family = to.family();
    c.severity = to.severity();
    c.expected = to.expected();
    c.confidence = Confidence::High;
    c.summary = proof.summary.clone();
    Some(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Subject;

    fn classification(category: Category) -> Classification {
        Classification {
            category,
            family: category.family(),
            severity: category.severity(),
            expected: category.expected(),
            confidence: Confidence::Medium,
            summary: "The essential container exited with a non-zero code.".into(),
            evidence: vec![],
            next_steps: Default::default(),
            findings: vec![],
            subject: Subject::default(),
        }
    }

    fn problem(check: Check, refines: Category, summary: &str) -> Finding {
        Finding::new(check, Verdict::Problem, summary).refining(refines)
    }

    #[test]
    fn an_exec_format_error_in_the_log_turns_exit_1_into_an_architecture_mismatch() {
        let mut c = classification(Category::AppExitError);
        let from = apply(
            &mut c,
            &[problem(
                Check::Logs,
                Category::ExecFormatError,
                "The log shows exec format error.",
            )],
        );
        assert_eq!(from, Some(Category::AppExitError));
        assert_eq!(
            (c.category, c.family, c.confidence),
            (
                Category::ExecFormatError,
                Category::ExecFormatError.family(),
                Confidence::High
            )
        );
        assert_eq!(c.summary, "The log shows exec format error.");
    }

    #[test]
    fn a_finding_that_confirms_the_answer_beats_a_more_trusted_one_that_contradicts_it() {
        let mut c = classification(Category::ImagePullNetwork);
        let findings = [
            problem(
                Check::Iam,
                Category::ImagePullAccessDenied,
                "no ecr:BatchGetImage",
            ),
            problem(
                Check::Network,
                Category::ImagePullNetwork,
                "subnet-1 has no route",
            ),
        ];
        assert_eq!(apply(&mut c, &findings), None);
        assert_eq!(c.category, Category::ImagePullNetwork);
        assert!(c.summary.ends_with("Confirmed: subnet-1 has no route"));
    }

    #[test]
    fn warnings_and_could_not_check_never_change_the_answer() {
        let mut c = classification(Category::AppExitError);
        let findings = [
            Finding::new(Check::Logs, Verdict::Warning, "x").refining(Category::OomKilled),
            Finding::could_not_check(Check::Iam, "AccessDenied"),
        ];
        assert_eq!(apply(&mut c, &findings), None);
        assert_eq!(c.category, Category::AppExitError);
        assert!(c.evidence.is_empty());
    }
}
