//! `docs/TAXONOMY.md` is generated from `Category::ALL`, so the document people read and the labels
//! the code emits cannot drift. This test fails when they differ; regenerate the file with
//! `UPDATE_DOCS=1 cargo test -p ecs-triage-core --test taxonomy_doc`.

use std::fmt::Write;
use std::path::PathBuf;

use ecs_triage_core::taxonomy::{Category, Family};

const REGENERATE: &str = "UPDATE_DOCS=1 cargo test -p ecs-triage-core --test taxonomy_doc";

fn doc_path() -> PathBuf {
    // shared/core -> the repository root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/TAXONOMY.md")
}

/// Families in the order their first label appears in the taxonomy.
fn families() -> Vec<Family> {
    let mut out: Vec<Family> = Vec::new();
    for c in Category::ALL {
        if !out.contains(&c.family()) {
            out.push(c.family());
        }
    }
    out
}

/// A table cell: pipes would end the cell, newlines the row, and `<name>` would be read as HTML.
fn cell(s: &str) -> String {
    s.replace('|', r"\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn render() -> String {
    let mut md = String::new();
    md.push_str("# Root-cause taxonomy\n\n");
    md.push_str(&format!(
        "<!-- Generated from `ecs_triage_core::taxonomy::Category` by \
         shared/core/tests/taxonomy_doc.rs. Do not edit by hand: change the code (and \
         shared/core/taxonomy.json), then run `{REGENERATE}`. -->\n\n"
    ));
    md.push_str(
        "Every verdict ecs-triage gives names exactly one **label**: a `snake_case` identifier \
         such as `oom_killed` for the root cause of an ECS task stop, or of a failing service or \
         deployment event. Labels are what `ecs-triage classify --json` writes as `category`, \
         what incidents and notifications carry, and what people build filters, metrics and \
         alarms on, so **labels are a stable public contract**: a label is never renamed, \
         removed or given another meaning; new labels may be added, and consumers should treat \
         a label they do not know like `unknown`.\n\n",
    );
    md.push_str(
        "Each label has a **severity** (`error`: something in the workload or its configuration \
         is broken and needs a fix; `warning`: AWS or the underlying host stopped the task, worth \
         a look when it repeats; `info`: nothing went wrong) and an **expected** flag. An \
         expected stop is a normal part of operating ECS — a deployment replacing old tasks, a \
         scale-in, a `StopTask` by a person or automation, a batch task that finished — and is \
         recorded but pages nobody.\n\n",
    );
    md.push_str(
        "Labels are grouped into **families**: labels that share a cause and the people who fix \
         it. For example, `iam_permissions` gathers every permission an execution role lacks, \
         whichever AWS service denied it, and `task_egress_network` every call the task could \
         not make because it has no network path (NAT gateway, VPC endpoint, security group). A \
         label's family is fixed with the label.\n\n",
    );

    let families = families();
    md.push_str("## Families\n\n| Family | Labels |\n| --- | --- |\n");
    for f in &families {
        let labels: Vec<String> = Category::ALL
            .iter()
            .filter(|c| c.family() == *f)
            .map(|c| format!("`{}`", c.label()))
            .collect();
        // GitHub's anchor for the heading "## `image_pull`" is "#image_pull".
        let _ = writeln!(md, "| [`{f}`](#{f}) | {} |", labels.join(", "));
    }

    for f in &families {
        let _ = write!(md, "\n## `{f}`\n\n");
        md.push_str("| Label | Severity | Expected | Definition |\n| --- | --- | --- | --- |\n");
        for c in Category::ALL.iter().filter(|c| c.family() == *f) {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} |",
                c.label(),
                c.severity(),
                if c.expected() { "yes" } else { "no" },
                cell(c.definition())
            );
        }
    }
    md
}

#[test]
fn taxonomy_doc_matches_the_code() {
    let expected = render();
    let path = doc_path();
    let update = std::env::var_os("UPDATE_DOCS").is_some_and(|v| !v.is_empty() && v != "0");
    if update {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &expected)
            .unwrap_or_else(|e| panic!("could not write {}: {e}", path.display()));
        return;
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    if found != expected {
        let first_diff = found
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| found.lines().count().min(expected.lines().count()));
        panic!(
            "{} is out of date with the taxonomy in the code (first difference at line {}).\n\
             Run `{REGENERATE}` and commit the result.",
            path.display(),
            first_diff + 1
        );
    }
}

#[test]
fn every_label_is_documented_once() {
    let doc = render();
    for c in Category::ALL {
        let row = format!("\n| `{}` | ", c.label());
        assert_eq!(doc.matches(&row).count(), 1, "one row for {c}");
    }
}
